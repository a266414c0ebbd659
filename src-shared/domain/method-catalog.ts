import { methodLabels } from './vocabulary.js';

/** The distillation methods the workbench trains with (method.md §2). */
export const distillationMethods = ['none', 'kd', 'at', 'afd', 'rtk'] as const;
export type DistillationMethod = (typeof distillationMethods)[number];

/** How RTK picks the representative teacher keys of each student query. */
export const rtkSelections = ['topk', 'threshold', 'perStage'] as const;
export type RtkSelection = (typeof rtkSelections)[number];

/** How RTK measures the distance between a student map and a teacher map. */
export const rtkDistances = ['normalized', 'mean'] as const;
export type RtkDistance = (typeof rtkDistances)[number];

/** Fully resolved hyperparameters of every method: what a loss is computed with. */
export type MethodHyperparameters =
  | { readonly method: 'none' }
  | { readonly method: 'kd'; readonly temperature: number; readonly kdWeight: number }
  | { readonly method: 'at'; readonly beta: number }
  | {
      readonly method: 'afd';
      readonly beta: number;
      readonly qkDim: number;
      readonly temperature: number;
      readonly kdWeight: number;
    }
  | {
      readonly method: 'rtk';
      readonly beta: number;
      readonly qkDim: number;
      readonly temperature: number;
      readonly kdWeight: number;
      readonly rtkSelection: RtkSelection;
      readonly rtkK: number;
      readonly rtkTau: number;
      readonly rtkDistance: RtkDistance;
    };

/** A numeric hyperparameter; a null default is derived from the teacher's and student's tap counts. */
export interface NumberHyperparameterDescriptor {
  readonly kind: 'number';
  readonly key: string;
  readonly label: string;
  readonly default: number | null;
  /** How a null default is derived, in plain words. */
  readonly derivedDefault?: string;
  readonly minimum: number;
  readonly maximum: number;
  readonly integer: boolean;
  readonly explanation: string;
  /** Only meaningful when another choice has this value (e.g. rtkK only for rtkSelection = topk). */
  readonly appliesWhen?: { readonly key: string; readonly value: string };
}

/** A hyperparameter chosen from a fixed list. */
export interface ChoiceHyperparameterDescriptor {
  readonly kind: 'choice';
  readonly key: string;
  readonly label: string;
  readonly default: string;
  readonly options: readonly { readonly value: string; readonly label: string }[];
  readonly explanation: string;
}

export type HyperparameterDescriptor = NumberHyperparameterDescriptor | ChoiceHyperparameterDescriptor;

/** What the UI shows about one method. */
export interface MethodDescriptor {
  readonly method: DistillationMethod;
  readonly label: string;
  readonly summary: string;
  readonly needsTeacher: boolean;
  readonly hyperparameters: readonly HyperparameterDescriptor[];
}

const temperature: NumberHyperparameterDescriptor = {
  kind: 'number',
  key: 'temperature',
  label: 'KD temperature',
  default: 4,
  minimum: 0.5,
  maximum: 20,
  integer: false,
  explanation:
    'Softens both networks’ class probabilities so the student also learns from the teacher’s near-misses.',
};

const kdWeight: NumberHyperparameterDescriptor = {
  kind: 'number',
  key: 'kdWeight',
  label: 'KD weight',
  default: 0.9,
  minimum: 0,
  maximum: 10,
  integer: false,
  explanation:
    'How much matching the teacher’s softened predictions counts next to the true labels (weight 1).',
};

const qkDim: NumberHyperparameterDescriptor = {
  kind: 'number',
  key: 'qkDim',
  label: 'Query/key size',
  default: 128,
  minimum: 8,
  maximum: 1024,
  integer: true,
  explanation:
    'Size of the learned summaries used to decide which teacher layer each student layer learns from.',
};

/** Every method with its hyperparameters: default, allowed range and a plain-words explanation. */
export const methodCatalog: Readonly<Record<DistillationMethod, MethodDescriptor>> = {
  none: {
    method: 'none',
    label: methodLabels.none,
    summary: 'Trains the student on the labels alone, as a baseline to compare against.',
    needsTeacher: false,
    hyperparameters: [],
  },
  kd: {
    method: 'kd',
    label: methodLabels.kd,
    summary: 'The student imitates the teacher’s softened class probabilities (Hinton et al.).',
    needsTeacher: true,
    hyperparameters: [temperature, kdWeight],
  },
  at: {
    method: 'at',
    label: methodLabels.at,
    summary:
      'The student’s attention maps at the end of each stage imitate the teacher’s (Zagoruyko & Komodakis).',
    needsTeacher: true,
    hyperparameters: [
      {
        kind: 'number',
        key: 'beta',
        label: 'Feature weight β',
        default: 1000,
        minimum: 0,
        maximum: 100_000,
        integer: false,
        explanation: 'How much matching the teacher’s attention maps counts next to the true labels.',
      },
    ],
  },
  afd: {
    method: 'afd',
    label: methodLabels.afd,
    summary: 'Every teacher layer teaches every student layer, weighted by learned attention (Ji et al.).',
    needsTeacher: true,
    hyperparameters: [
      {
        kind: 'number',
        key: 'beta',
        label: 'Feature weight β',
        default: 200,
        minimum: 0,
        maximum: 100_000,
        integer: false,
        explanation: 'How much matching the teacher’s feature maps counts next to the true labels.',
      },
      qkDim,
      temperature,
      kdWeight,
    ],
  },
  rtk: {
    method: 'rtk',
    label: methodLabels.rtk,
    summary:
      'Each student layer learns from the few teacher layers that attention finds most useful to it, ignoring the rest.',
    needsTeacher: true,
    hyperparameters: [
      {
        kind: 'number',
        key: 'beta',
        label: 'Feature weight β',
        default: null,
        derivedDefault: '200 × teacher taps ÷ student taps',
        minimum: 0,
        maximum: 100_000,
        integer: false,
        explanation: 'How much matching the selected teacher feature maps counts next to the true labels.',
      },
      qkDim,
      temperature,
      kdWeight,
      {
        kind: 'choice',
        key: 'rtkSelection',
        label: 'Key selection',
        default: 'topk',
        options: [
          { value: 'topk', label: 'Top k teacher layers' },
          { value: 'threshold', label: 'Layers above an attention threshold' },
          { value: 'perStage', label: 'Best layer of each teacher stage' },
        ],
        explanation: 'Which teacher layers each student layer may learn from, chosen anew for every image.',
      },
      {
        kind: 'number',
        key: 'rtkK',
        label: 'k',
        default: null,
        derivedDefault: 'teacher taps ÷ student taps, rounded up',
        minimum: 1,
        maximum: 1000,
        integer: true,
        explanation: 'How many teacher layers each student layer learns from.',
        appliesWhen: { key: 'rtkSelection', value: 'topk' },
      },
      {
        kind: 'number',
        key: 'rtkTau',
        label: 'Threshold τ',
        default: null,
        derivedDefault: '1 ÷ teacher taps',
        minimum: 0,
        maximum: 1,
        integer: false,
        explanation:
          'A teacher layer is kept when its attention weight is at least this (the best one always is).',
        appliesWhen: { key: 'rtkSelection', value: 'threshold' },
      },
      {
        kind: 'choice',
        key: 'rtkDistance',
        label: 'Distance',
        default: 'normalized',
        options: [
          { value: 'normalized', label: 'Normalised squared distance' },
          { value: 'mean', label: 'Per-position mean (as AFD)' },
        ],
        explanation:
          'How unlike two feature maps are; the default divides the squared distance by the mean size of the ' +
          'teacher’s maps, which keeps layers of different resolutions comparable.',
      },
    ],
  },
};

/** Hyperparameters as a user or a stored experiment gives them: any subset, unknown keys rejected. */
export type HyperparameterInput = Readonly<Record<string, number | string | null | undefined>>;

/** Fills defaults (derived ones from the tap counts) and validates ranges; throws a readable Error. */
export function resolveHyperparameters(
  method: DistillationMethod,
  input: HyperparameterInput,
  taps: { readonly teacher: number; readonly student: number },
): MethodHyperparameters {
  const descriptor = methodCatalog[method];
  const known = new Set(descriptor.hyperparameters.map((parameter) => parameter.key));
  for (const key of Object.keys(input)) {
    if (!known.has(key) && input[key] !== undefined) {
      const allowed = [...known].join(', ') || 'none';
      throw new Error(`Method ${descriptor.label} has no hyperparameter "${key}" (allowed: ${allowed}).`);
    }
  }
  const derived: Record<string, number> = {
    beta: (200 * taps.teacher) / Math.max(taps.student, 1),
    rtkK: Math.ceil(taps.teacher / Math.max(taps.student, 1)),
    rtkTau: 1 / Math.max(taps.teacher, 1),
  };
  const values: Record<string, number | string> = {};
  for (const parameter of descriptor.hyperparameters) {
    const given = input[parameter.key];
    if (parameter.kind === 'choice') {
      const value = given ?? parameter.default;
      if (typeof value !== 'string' || !parameter.options.some((option) => option.value === value)) {
        const allowed = parameter.options.map((option) => option.value).join(', ');
        throw new Error(`${parameter.label} must be one of ${allowed}; got ${String(value)}.`);
      }
      values[parameter.key] = value;
      continue;
    }
    const value = given ?? parameter.default ?? derived[parameter.key];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`${parameter.label} must be a number; got ${String(value)}.`);
    }
    if (value < parameter.minimum || value > parameter.maximum) {
      throw new Error(
        `${parameter.label} must be between ${parameter.minimum} and ${parameter.maximum}; got ${value}.`,
      );
    }
    if (parameter.integer && !Number.isInteger(value)) {
      throw new Error(`${parameter.label} must be a whole number; got ${value}.`);
    }
    values[parameter.key] = value;
  }
  return assemble(method, values, taps.teacher);
}

function assemble(
  method: DistillationMethod,
  values: Record<string, number | string>,
  teacherTaps: number,
): MethodHyperparameters {
  const number = (key: string): number => Number(values[key]);
  switch (method) {
    case 'none':
      return { method };
    case 'kd':
      return { method, temperature: number('temperature'), kdWeight: number('kdWeight') };
    case 'at':
      return { method, beta: number('beta') };
    case 'afd':
      return {
        method,
        beta: number('beta'),
        qkDim: number('qkDim'),
        temperature: number('temperature'),
        kdWeight: number('kdWeight'),
      };
    case 'rtk': {
      const rtkK = number('rtkK');
      if (rtkK > teacherTaps) {
        throw new Error(`k must be at most the number of teacher taps (${teacherTaps}); got ${rtkK}.`);
      }
      return {
        method,
        beta: number('beta'),
        qkDim: number('qkDim'),
        temperature: number('temperature'),
        kdWeight: number('kdWeight'),
        rtkSelection: values['rtkSelection'] as RtkSelection,
        rtkK,
        rtkTau: number('rtkTau'),
        rtkDistance: values['rtkDistance'] as RtkDistance,
      };
    }
  }
}
