import { methodCatalog, resolveHyperparameters } from './method-catalog.js';
import type { DistillationMethod, HyperparameterInput } from './method-catalog.js';

/** Where a hyperparameter's value came from: the experiment, the catalog's default, or the tap counts. */
export type HyperparameterSource = 'set' | 'default' | 'derived';

/** One hyperparameter a method's runs use, with the value they use and where that value came from. */
export interface ResolvedHyperparameter {
  readonly key: string;
  readonly label: string;
  /** The value the loss is computed with; null only for a derived value whose tap counts are unknown. */
  readonly value: number | string | null;
  /** The value as the user reads it: a rounded number, or a choice's label. */
  readonly shown: string;
  readonly source: HyperparameterSource;
  /** How a derived default is computed, in plain words; null for the others. */
  readonly rule: string | null;
}

/** Per method of an experiment, every hyperparameter its runs use. */
export type MethodHyperparameterTable = Readonly<
  Partial<Record<DistillationMethod, readonly ResolvedHyperparameter[]>>
>;

/** A number as settings show it: whole numbers as they are, others to six significant digits. */
export function formatSetting(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/**
 * Every hyperparameter `method` uses with `input`: the values set, the catalog's defaults and the defaults
 * derived from the tap counts (resolveHyperparameters' rules). A setting that only applies with another choice
 * (k only for top-k selection) is left out when that choice is not made. With unknown tap counts a derived
 * value is null. Throws resolveHyperparameters' readable error for a value out of range.
 */
export function resolvedHyperparameters(
  method: DistillationMethod,
  input: HyperparameterInput,
  taps: { readonly teacher: number; readonly student: number } | null,
): ResolvedHyperparameter[] {
  const descriptor = methodCatalog[method];
  const resolved: Readonly<Record<string, unknown>> | null =
    taps === null ? null : resolveHyperparameters(method, input, taps);
  const choiceOf = (key: string): unknown =>
    input[key] ?? descriptor.hyperparameters.find((parameter) => parameter.key === key)?.default;
  const list: ResolvedHyperparameter[] = [];
  for (const parameter of descriptor.hyperparameters) {
    if (
      parameter.kind === 'number' &&
      parameter.appliesWhen !== undefined &&
      choiceOf(parameter.appliesWhen.key) !== parameter.appliesWhen.value
    ) {
      continue;
    }
    const given = input[parameter.key];
    const source: HyperparameterSource =
      given !== undefined && given !== null
        ? 'set'
        : parameter.kind === 'number' && parameter.default === null
          ? 'derived'
          : 'default';
    const raw = resolved?.[parameter.key] ?? (source === 'derived' ? null : (given ?? parameter.default));
    const value = typeof raw === 'number' || typeof raw === 'string' ? raw : null;
    const shown =
      value === null
        ? ''
        : parameter.kind === 'choice'
          ? (parameter.options.find((option) => option.value === value)?.label ?? String(value))
          : typeof value === 'number'
            ? formatSetting(value)
            : value;
    list.push({
      key: parameter.key,
      label: parameter.label,
      value,
      shown,
      source,
      rule: source === 'derived' && parameter.kind === 'number' ? (parameter.derivedDefault ?? null) : null,
    });
  }
  return list;
}

/** The resolved values as a plain record, as the model card and the worker's job carry them. */
export function hyperparameterValues(
  list: readonly ResolvedHyperparameter[],
): Record<string, number | string> {
  const values: Record<string, number | string> = {};
  for (const entry of list) if (entry.value !== null) values[entry.key] = entry.value;
  return values;
}
