import type { z } from 'zod';

/**
 * Reads stored or transmitted JSON (text, or a value already decoded) through its schema, or throws an Error
 * that names the source, what it should have been, and its first problems by field.
 */
export function parseStoredJson<Schema extends z.ZodType>(
  schema: Schema,
  input: { readonly text: string } | { readonly value: unknown },
  source: string,
  expected: string,
): z.output<Schema> {
  let value: unknown;
  if ('text' in input) {
    try {
      value = JSON.parse(input.text);
    } catch (error) {
      throw new Error(`${source} is not JSON: ${error instanceof Error ? error.message : String(error)}.`, {
        cause: error,
      });
    }
  } else {
    value = input.value;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .slice(0, 3)
    .map(
      (issue) => `${issue.path.length === 0 ? '(the whole value)' : issue.path.join('.')}: ${issue.message}`,
    );
  throw new Error(`${source} is not ${expected} of this workbench: ${problems.join('; ')}.`);
}
