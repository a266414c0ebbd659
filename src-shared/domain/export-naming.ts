/** What an export's own folder in the workbench home is named after. */
export interface ExportFolderFacts {
  readonly experimentName: string;
  readonly method: string;
  readonly seed: number;
  /** The edge preset's name, or `<format>-<precision>`. */
  readonly target: string;
}

/**
 * The name of the folder an export gets inside the workbench home's exports folder when the user names no
 * destination: readable, and made only of lower-case letters, digits and dashes.
 */
export function exportFolderName(facts: ExportFolderFacts): string {
  const text = `${facts.experimentName} ${facts.method} seed ${facts.seed} ${facts.target}`;
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'export'
  );
}
