import { fileURLToPath } from 'node:url';
import { runPythonScript } from '../../../support/python.js';

/** What the independent PyTorch definitions count for one edge model, class count and input shape. */
export interface EdgeReferenceFigures {
  readonly name: string;
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  readonly parameterCount: number;
  readonly movingStatisticCount: number;
  readonly macsPerImage: number;
  readonly taps: readonly { readonly shape: readonly [number, number, number]; readonly stage: number }[];
}

const script = fileURLToPath(new URL('../../../fixtures/python/reference-edge-models.py', import.meta.url));
let cached: readonly EdgeReferenceFigures[] | null = null;

/** Every figure the PyTorch reference script prints (run once per test file, a few seconds). */
export function edgeReferenceFigures(): readonly EdgeReferenceFigures[] {
  cached ??= JSON.parse(runPythonScript(script)) as EdgeReferenceFigures[];
  return cached;
}

/** The reference figures of one model, class count and input shape; throws when the script has none. */
export function edgeReference(
  name: string,
  classes: number,
  inputShape: readonly [number, number, number],
): EdgeReferenceFigures {
  const found = edgeReferenceFigures().find(
    (entry) =>
      entry.name === name && entry.classes === classes && entry.inputShape.join('x') === inputShape.join('x'),
  );
  if (found === undefined) {
    throw new Error(
      `The reference script printed nothing for ${name}, ${classes} classes, ${inputShape.join('x')}.`,
    );
  }
  return found;
}

/** The edge models the reference script describes. */
export const edgeModelNames = [
  'mobilenetv2-0.5',
  'mobilenetv2-0.75',
  'mobilenetv2-1',
  'mobilenetv2-1.4',
  'shufflenetv2',
  'vgg8',
  'vgg11',
  'vgg13',
] as const;
