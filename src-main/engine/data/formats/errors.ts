/**
 * Errors of dataset reading and import. Each names the file or folder at fault and says what was expected
 * and what was found, so the message can be shown to the user as it is.
 */

/** Base class: something about the dataset at `file` is wrong. */
export class DatasetError extends Error {
  readonly file: string;

  constructor(file: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.file = file;
  }
}

/** A file's content does not follow its format (bad magic number, truncated, label out of range...). */
export class DatasetFormatError extends DatasetError {}

/** A path does not exist, is not readable, or is a file where a folder was expected (or the reverse). */
export class DatasetAccessError extends DatasetError {}

/** A folder's structure is wrong: no recognisable format, an empty class folder, too few images. */
export class DatasetLayoutError extends DatasetError {}

/** The import request itself is invalid (fraction out of range, target already exists...). */
export class DatasetRequestError extends DatasetError {}

/** The import was cancelled through its abort signal; nothing was written. */
export class ImportCancelledError extends DatasetError {
  constructor(file: string) {
    super(file, `Import of ${file} was cancelled; nothing was written.`);
  }
}

/** The workbench home cannot take what the import writes (the disk is full). Nothing is left behind. */
export class DatasetStorageError extends DatasetError {}
