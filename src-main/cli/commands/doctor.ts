import type { EngineStatus } from '../../../src-shared/contracts/engine-status.js';
import { describeAdapter } from '../../engine/backends/webgpu.js';
import { withCliHost } from '../cli-host.js';
import type { JsonHostFlags } from '../cli-host.js';

function formatBytes(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** The doctor report as plain lines for a terminal. */
export function formatEngineStatus(status: EngineStatus): string {
  const lines = [
    `Engine backend: ${status.chosenBackend}${status.forcedBackend !== null ? ' (forced)' : ''}`,
  ];
  for (const attempt of status.attempts) {
    const mark = attempt.chosen ? '*' : attempt.loaded ? '+' : '-';
    lines.push(`  ${mark} ${attempt.label.padEnd(24)} ${attempt.reason}`);
  }
  if (status.gpuAdapter !== undefined && status.gpuAdapter !== null) {
    lines.push(`WebGPU adapter: ${describeAdapter(status.gpuAdapter)}`);
  }
  lines.push(
    `WebAssembly SIMD: ${status.wasmSimd ? 'on' : 'off'}` +
      (status.wasmThreads !== null ? `, threads: ${status.wasmThreads}` : ''),
  );
  lines.push(`CPU: ${status.cpuModel} (${status.cpuCores} cores)`);
  lines.push(
    `Memory: ${formatBytes(status.freeMemoryBytes)} free of ${formatBytes(status.totalMemoryBytes)}`,
  );
  lines.push(`Node ${status.nodeVersion}, TensorFlow.js ${status.tfjsVersion}, ${status.platform}`);
  return lines.join('\n');
}

/** `rtk-workbench doctor`: what the compute worker finds on this machine. */
export async function doctorCommand(values: JsonHostFlags): Promise<number> {
  return withCliHost(values, async (host) => {
    const status = await host.services.handlers.getEngineStatus({ refresh: true });
    console.log(values.json ? JSON.stringify(status, null, 2) : formatEngineStatus(status));
    return 0;
  });
}
