import type { CallInput, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';
import type { TeacherImportProgressReport } from '../../../src-shared/contracts/worker-protocol.js';
import { strings } from '../../lib/strings.js';

/** The normalisations the form offers, in the order it lists them. */
export const normalisationChoices = ['dataset', 'imagenet', 'cifar10', 'cifar100', 'none', 'custom'] as const;
export type NormalisationChoice = (typeof normalisationChoices)[number];

/** An imported teacher's accuracy as the wizard shows it: already in percent, one decimal. */
export const importPercent = (value: number): string => `${value.toFixed(1)} %`;

/** What the teacher-import form holds, as typed. */
export interface TeacherImportForm {
  source: string;
  name: string;
  normalisation: NormalisationChoice;
  scale: '1' | '255';
  channelOrder: 'RGB' | 'BGR';
  mean: string;
  std: string;
  labels: string;
}

/** The problems of each field, or null where it is fine. */
export interface TeacherImportProblems {
  readonly source: string | null;
  readonly mean: string | null;
  readonly std: string | null;
  readonly labels: string | null;
}

const text = strings.teacherImport;

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith('\\\\');
}

/** One to three numbers separated by commas (positive ones for a std), or null. */
function parseNumbers(raw: string, positive: boolean): number[] | null {
  const parts = raw.split(',').map((part) => part.trim());
  if (parts.length < 1 || parts.length > 3 || parts.some((part) => part.length === 0)) return null;
  const values = parts.map(Number);
  return values.every((value) => Number.isFinite(value) && (!positive || value > 0)) ? values : null;
}

/** Checks the form and, when every field is fine, builds the import's arguments for `datasetId`. */
export function validateTeacherImportForm(
  form: TeacherImportForm,
  datasetId: string,
): { problems: TeacherImportProblems; request: CallInput<'importTeacher'> | null } {
  const source = form.source.trim();
  const sourceProblem =
    source.length === 0 ? text.sourceRequired : isAbsolutePath(source) ? null : text.sourceRelative;
  const custom = form.normalisation === 'custom';
  const mean = custom ? parseNumbers(form.mean, false) : null;
  const std = custom ? parseNumbers(form.std, true) : null;
  const labels = form.labels.trim();
  const problems: TeacherImportProblems = {
    source: sourceProblem,
    mean: custom && mean === null ? text.meanInvalid : null,
    std: custom && std === null ? text.stdInvalid : null,
    labels: labels.length === 0 || isAbsolutePath(labels) ? null : text.sourceRelative,
  };
  if (Object.values(problems).some((problem) => problem !== null)) return { problems, request: null };
  const name = form.name.trim();
  return {
    problems,
    request: {
      source,
      datasetId,
      ...(name.length > 0 ? { name } : {}),
      ...(labels.length > 0 ? { labelsPath: labels } : {}),
      contract: {
        preset: form.normalisation,
        scale: form.scale === '1' ? 1 : 255,
        channelOrder: form.channelOrder,
        ...(mean === null ? {} : { mean }),
        ...(std === null ? {} : { std }),
      },
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The "use a teacher I already have" import: the form, the import in flight with its progress, its outcome. */
export class TeacherImportState {
  form = $state<TeacherImportForm>({
    source: '',
    name: '',
    normalisation: 'dataset',
    scale: '1',
    channelOrder: 'RGB',
    mean: '',
    std: '',
    labels: '',
  });
  attempted = $state(false);
  phase = $state<'idle' | 'importing' | 'done' | 'failed'>('idle');
  progress = $state.raw<TeacherImportProgressReport | null>(null);
  error = $state<string | null>(null);

  constructor(private readonly api: WorkbenchApi) {}

  /** The form's problems, shown once an import was attempted. */
  problemsFor(datasetId: string): TeacherImportProblems {
    return validateTeacherImportForm(this.form, datasetId).problems;
  }

  /** Imports the file for the dataset and measures it; resolves to the teacher, or null when it failed. */
  async run(datasetId: string): Promise<TeacherRecord | null> {
    this.attempted = true;
    const { request } = validateTeacherImportForm(this.form, datasetId);
    if (request === null) return null;
    this.phase = 'importing';
    this.error = null;
    this.progress = null;
    const stopListening = this.api.onTeacherImportProgress((progress) => (this.progress = progress));
    try {
      const teacher = await this.api.importTeacher(request);
      this.phase = 'done';
      return teacher;
    } catch (error) {
      this.phase = 'failed';
      this.error = messageOf(error);
      return null;
    } finally {
      stopListening();
    }
  }

  /** The import's progress in words. */
  get progressText(): string {
    const progress = this.progress;
    if (progress === null || progress.phase === 'reading') return text.reading;
    if (progress.phase === 'writing') return text.writing;
    return text.measuring(progress.done, progress.total);
  }
}
