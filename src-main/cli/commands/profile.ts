import type { ModelProfile } from '../../../src-shared/contracts/api.js';
import { parseBackboneName } from '../../../src-shared/domain/backbone-catalog.js';
import {
  latencyDefinition,
  macsDefinition,
  parametersDefinition,
  peakMemoryDefinition,
  weightSizeDefinition,
} from '../../../src-shared/domain/figure-definitions.js';
import type { LatencyModel } from '../../../src-shared/domain/figure-definitions.js';
import { figureNames } from '../../../src-shared/domain/vocabulary.js';
import { resolveStoredId, withCliHost } from '../cli-host.js';
import type { HostFlags } from '../cli-host.js';
import { formatBytes, formatCount, formatFigureNotes } from '../output/text-format.js';
import { parseInputShape } from './models.js';

function isBackboneName(value: string): boolean {
  try {
    parseBackboneName(value);
    return true;
  } catch {
    return false;
  }
}

/** The profile as lines a person reads, with footnotes that say what each figure means. */
export function formatProfile(profile: ModelProfile, model: LatencyModel): string {
  const { latency } = profile;
  const lines = [
    `${profile.backbone}, ${profile.classes} classes, input ${profile.inputShape.join('x')}`,
    `  ${figureNames.parameters} ${formatCount(profile.parameterCount)}, ${figureNames.macs.toLowerCase()} ${formatCount(profile.macsPerImage)}`,
    `  files: float32 ${formatBytes(profile.fileBytes.float32)}, float16 ${formatBytes(profile.fileBytes.float16)}, ` +
      `uint8 ${formatBytes(profile.fileBytes.uint8)}, ONNX ${formatBytes(profile.fileBytes.onnx)}`,
    `  peak activation memory (batch 1, float32): ${formatBytes(profile.peakActivationBytes)}`,
    `  latency (batch 1, median of ${latency.onnxRuntime.runs}): ONNX Runtime ${latency.onnxRuntime.medianMilliseconds.toFixed(2)} ms, ` +
      `${latency.tfjs.engine} ${latency.tfjs.medianMilliseconds.toFixed(2)} ms`,
  ];
  return [
    ...lines,
    ...formatFigureNotes([
      parametersDefinition(),
      macsDefinition(profile.inputShape),
      weightSizeDefinition('float32'),
      peakMemoryDefinition(),
      latencyDefinition(latency.onnxRuntime, model),
      latencyDefinition(latency.tfjs, model),
    ]),
  ].join('\n');
}

/** `rtk-workbench profile RUN|NETWORK`: size, cost and measured latency of a trained student or a catalog network. */
export async function profileCommand(
  typed: string,
  values: HostFlags & { readonly classes: number; readonly input: string; readonly json: boolean },
): Promise<number> {
  const classes = values.classes;
  const inputShape = parseInputShape(values.input);
  return withCliHost(values, async (host) => {
    const profile = isBackboneName(typed)
      ? await host.services.handlers.profileModel({
          backbone: typed,
          classes,
          inputShape: [inputShape[0], inputShape[1], inputShape[2]],
        })
      : await host.services.handlers.profileModel({
          runId: resolveStoredId(host, 'run', typed),
        });
    console.log(
      values.json
        ? JSON.stringify(profile, null, 2)
        : formatProfile(profile, isBackboneName(typed) ? 'architecture' : 'trained'),
    );
    return 0;
  });
}
