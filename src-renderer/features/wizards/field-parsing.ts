import { strings } from '../../lib/strings.js';

const text = strings.newExperiment;

/** Reads a number typed into a field, with the problem to show when it is not a valid one. */
export function parseNumberField(
  raw: string,
  rules: { readonly minimum: number; readonly maximum: number; readonly integer: boolean },
): { value: number | null; problem: string | null } {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return { value: null, problem: null };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { value: null, problem: text.numberInvalid };
  if (rules.integer && !Number.isInteger(value)) return { value: null, problem: text.wholeInvalid };
  if (value < rules.minimum || value > rules.maximum) {
    return { value: null, problem: text.rangeInvalid(String(rules.minimum), String(rules.maximum)) };
  }
  return { value, problem: null };
}

/** Reads a comma-separated list of distinct whole seeds, or null when it is not one. */
export function parseSeeds(raw: string): number[] | null {
  const parts = raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0 || parts.length > 20) return null;
  const seeds = parts.map(Number);
  if (seeds.some((seed) => !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1)) return null;
  return new Set(seeds).size === seeds.length ? seeds : null;
}
