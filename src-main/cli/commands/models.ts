import { catalogBackboneNames, describeBackbone } from '../../../src-shared/domain/backbone-catalog.js';
import type { BackboneDescription, BackboneShape } from '../../../src-shared/domain/backbone-catalog.js';
import { figureNames } from '../../../src-shared/domain/vocabulary.js';
import { UsageError } from '../cli-arguments.js';
import { formatBytes, formatCount, formatTable } from '../output/text-format.js';

/** Parses `--input HxWxC`, e.g. 32x32x3. */
export function parseInputShape(value: string): BackboneShape {
  const match = /^(\d+)x(\d+)x(\d+)$/.exec(value.trim());
  if (match === null)
    throw new UsageError(`--input must be HEIGHTxWIDTHxCHANNELS, e.g. 32x32x3, not "${value}".`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The catalog as a table: parameters, MACs per image, feature taps and float32 size. */
export function formatModelsTable(descriptions: readonly BackboneDescription[]): string {
  return formatTable(
    [figureNames.network, figureNames.parameters, figureNames.macs, 'Taps', 'Tap shapes', figureNames.size],
    descriptions.map((description) => [
      description.name,
      formatCount(description.parameterCount),
      formatCount(description.macsPerImage),
      String(description.taps.length),
      [...new Set(description.taps.map((tap) => tap.shape.join('x')))]
        .map((shape) => `${description.taps.filter((tap) => tap.shape.join('x') === shape).length}×${shape}`)
        .join(', '),
      formatBytes(description.float32Bytes),
    ]),
    new Set([1, 2, 3, 5]),
  );
}

/** `rtk-workbench models`: every catalog backbone and what it costs; it needs no workbench home. */
export function modelsCommand(values: {
  readonly json: boolean;
  readonly classes: number;
  readonly input: string;
}): Promise<number> {
  const classes = values.classes;
  const inputShape = parseInputShape(values.input);
  let descriptions: BackboneDescription[];
  try {
    descriptions = catalogBackboneNames.map((name) => describeBackbone(name, { classes, inputShape }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.json) {
    console.log(JSON.stringify(descriptions, null, 2));
  } else {
    console.log(`Networks for ${classes} classes of ${inputShape.join('x')} images:`);
    console.log(formatModelsTable(descriptions));
  }
  return Promise.resolve(0);
}
