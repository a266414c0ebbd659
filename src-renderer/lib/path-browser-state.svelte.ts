import type { PathEntry, PathListing, WorkbenchApi } from '../../src-shared/contracts/api.js';
import { strings } from './strings.js';

/** What a path field asks for; a dataset can be either an archive file or a folder. */
export type PathKind = 'file' | 'folder' | 'file-or-folder';

/** One step of the breadcrumb trail: a folder's name and its full path. */
export interface Breadcrumb {
  readonly label: string;
  readonly path: string;
}

/** Whether a file name ends with one of the extensions (compared without case); no list accepts every file. */
export function acceptsFile(name: string, accept: readonly string[] | undefined): boolean {
  if (accept === undefined || accept.length === 0) return true;
  const lower = name.toLowerCase();
  return accept.some((extension) => lower.endsWith(extension.toLowerCase()));
}

function isUnder(path: string, root: string): boolean {
  const base = root.replace(/[\\/]+$/, '');
  return path === root || (path.startsWith(base) && /^[\\/]/.test(path.slice(base.length)));
}

/** The trail from the innermost root holding `path` down to `path`, in the root's own separator. */
export function breadcrumbs(path: string, roots: readonly string[]): Breadcrumb[] {
  const root = roots.filter((candidate) => isUnder(path, candidate)).sort((a, b) => b.length - a.length)[0];
  if (root === undefined) return [{ label: path, path }];
  const separator = root.includes('\\') ? '\\' : '/';
  const parts = path
    .slice(root.length)
    .split(/[\\/]/)
    .filter((part) => part !== '');
  let current = root.replace(/[\\/]+$/, '');
  const below = parts.map((part) => {
    current = `${current}${separator}${part}`;
    return { label: part, path: current };
  });
  return [{ label: root, path: root }, ...below];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The in-page folder browser of a path field in lab mode: the folder shown, the selection, and what Choose gives. */
export class PathBrowserState {
  listing = $state.raw<PathListing | null>(null);
  selected = $state.raw<PathEntry | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  private request = 0;

  constructor(
    private readonly browse: WorkbenchApi['browsePath'],
    readonly kind: PathKind,
    readonly accept: readonly string[] | undefined,
  ) {}

  /** The entries shown: every folder, and the files the field accepts. */
  get entries(): readonly PathEntry[] {
    return (this.listing?.entries ?? []).filter(
      (entry) => entry.kind === 'folder' || acceptsFile(entry.name, this.accept),
    );
  }

  /** The path Choose would give: the selected entry if it fits, else the open folder when folders are wanted. */
  get choice(): string | null {
    const selected = this.selected;
    if (selected !== null && (selected.kind === 'file' ? this.kind !== 'folder' : this.kind !== 'file')) {
      return selected.path;
    }
    return this.kind === 'file' ? null : (this.listing?.path ?? null);
  }

  get trail(): Breadcrumb[] {
    return this.listing === null ? [] : breadcrumbs(this.listing.path, this.listing.roots);
  }

  /** Opens at the field's current path; where that cannot be listed, at the first root, saying why. */
  async open(start: string): Promise<void> {
    this.error = null;
    const trimmed = start.trim();
    if (trimmed !== '' && (await this.go(trimmed))) return;
    const reason = this.error;
    if ((await this.go(undefined)) && reason !== null) this.error = strings.pathField.startFailed(reason);
  }

  /** Lists a folder (the first root when none is given); false when it could not be listed. */
  async go(path: string | undefined): Promise<boolean> {
    const request = ++this.request;
    this.loading = true;
    try {
      const listing = await this.browse({
        kind: this.kind === 'folder' ? 'folder' : 'file',
        ...(path === undefined ? {} : { path }),
      });
      if (request !== this.request) return false;
      this.listing = listing;
      this.selected = null;
      this.error = null;
      return true;
    } catch (error) {
      if (request === this.request) this.error = messageOf(error);
      return false;
    } finally {
      if (request === this.request) this.loading = false;
    }
  }

  async up(): Promise<void> {
    const parent = this.listing?.parent ?? null;
    if (parent !== null) await this.go(parent);
  }

  select(entry: PathEntry): void {
    this.selected = entry;
  }

  /** Double-click or Enter on an entry: a folder opens; a file is chosen (its path is returned). */
  async activate(entry: PathEntry): Promise<string | null> {
    if (entry.kind === 'folder') {
      await this.go(entry.path);
      return null;
    }
    this.selected = entry;
    return this.choice;
  }
}
