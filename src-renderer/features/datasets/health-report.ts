import type { HealthReport } from '../../../src-shared/contracts/dataset-manifest.js';
import { strings } from '../../lib/strings.js';

/** What the health report says about the files: one statement on reading them, one on files left out. */
export interface FileFindings {
  /** "Every file could be read.", "Every image could be read." or "3 files could not be read…:". */
  readonly reading: string;
  /** The files that could not be read, with why in plain words and the decoder's text as a detail. */
  readonly unreadable: HealthReport['unreadableFiles'];
  /** The files that are not part of the dataset, or null when there are none. */
  readonly leftOut: string | null;
}

/**
 * The statements about a dataset's files, consistent with each other: "every file could be read" is said
 * only when no file was left out for any reason; when other files were left out it speaks of images.
 */
export function fileFindings(health: HealthReport): FileFindings {
  const text = strings.dataset;
  const unreadable = health.unreadableFiles;
  const ignored = health.ignoredFileCount;
  const reading =
    unreadable.length > 0
      ? text.someUnreadable(unreadable.length)
      : ignored > 0
        ? text.allImagesRead
        : text.allFilesRead;
  return { reading, unreadable, leftOut: ignored > 0 ? text.ignoredFiles(ignored) : null };
}
