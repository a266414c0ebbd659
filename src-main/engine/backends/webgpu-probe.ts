import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { gpuAdapterSchema, type GpuAdapter } from '../../../src-shared/contracts/engine-status.js';

const require = createRequire(import.meta.url);

/** How long the probe may take: Dawn starts in about a second, a hung GPU driver must not stall the doctor. */
const probeTimeoutMilliseconds = 20_000;

/** What a probe process found: the adapter (null: none) and what Dawn and the GPU libraries printed. */
export interface WebGpuProbeResult {
  readonly adapter: GpuAdapter | null;
  readonly errorOutput: string;
}

/** The probe failed before it could say whether an adapter exists. */
export class WebGpuProbeFailure extends Error {}

// Runs in its own process so that Dawn's and the Vulkan loader's warnings land in a pipe read here, not on the
// user's console. The adapter fields are those readAdapter in webgpu.ts keeps.
const probeScript = `
const { create } = await import(process.argv[1]);
const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
let found = null;
if (adapter !== null) {
  const info = adapter.info;
  const fallback = 'isFallbackAdapter' in info ? info.isFallbackAdapter : adapter.isFallbackAdapter;
  found = {
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    isFallback: fallback === true, maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}
process.stdout.write(JSON.stringify({ adapter: found }));
process.exit(0);
`;

const probeOutputSchema = z.object({ adapter: gpuAdapterSchema.nullable() });

/**
 * Whether this process can start a plain Node child: not inside Electron, whose packaged app refuses to run as
 * Node (the runAsNode fuse is off).
 */
export function canProbeInChildProcess(): boolean {
  return process.versions.electron === undefined;
}

/**
 * Asks Dawn for the high-performance WebGPU adapter in a short-lived Node process and collects what it printed
 * on stderr. Rejects with WebGpuProbeFailure when the webgpu package is missing or the probe crashes or hangs.
 */
export function probeWebGpuAdapter(): Promise<WebGpuProbeResult> {
  let dawnEntry: string;
  try {
    dawnEntry = pathToFileURL(require.resolve('webgpu')).href;
  } catch {
    return Promise.reject(new WebGpuProbeFailure('not installed: the webgpu package (Dawn) is absent'));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '--eval', probeScript, dawnEntry], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: process.env,
      timeout: probeTimeoutMilliseconds,
      windowsHide: true,
    });
    let output = '';
    let errorOutput = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errorOutput += chunk));
    child.on('error', (error) =>
      reject(new WebGpuProbeFailure(`the WebGPU check could not start: ${error.message}`)),
    );
    child.on('close', (code, signal) => {
      if (signal !== null) {
        reject(
          new WebGpuProbeFailure(
            signal === 'SIGTERM'
              ? `the GPU driver did not answer within ${probeTimeoutMilliseconds / 1000} s`
              : `the WebGPU check crashed (${signal})${plainWordsSuffix(errorOutput)}`,
          ),
        );
        return;
      }
      const parsed = code === 0 ? parseProbeOutput(output) : null;
      if (parsed === null) {
        reject(
          new WebGpuProbeFailure(
            `the WebGPU library failed to start (exit ${code})${plainWordsSuffix(errorOutput)}`,
          ),
        );
        return;
      }
      resolve({ adapter: parsed.adapter, errorOutput });
    });
  });
}

function parseProbeOutput(output: string): z.infer<typeof probeOutputSchema> | null {
  try {
    const parsed = probeOutputSchema.safeParse(JSON.parse(output));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function plainWordsSuffix(errorOutput: string): string {
  const words = describeGpuLibraryOutput(errorOutput);
  return words === null ? '' : `: ${words}`;
}

/**
 * Turns what Dawn, the Vulkan loader and the drivers printed into the reason a user can act on, or null when
 * nothing recognisable was printed. Build-machine paths and Vulkan error codes stay out of the sentence.
 */
export function describeGpuLibraryOutput(errorOutput: string): string | null {
  if (/couldn't load[^\n]*vulkan|libvulkan[^\n]*(cannot open|not found|no such file)/i.test(errorOutput)) {
    return 'the Vulkan library (libvulkan.so.1) is not installed, so no GPU can be reached through Vulkan';
  }
  if (/found no drivers|VK_ERROR_INCOMPATIBLE_DRIVER/i.test(errorOutput)) {
    return 'no GPU driver for Vulkan was found';
  }
  if (/VK_ERROR_INITIALIZATION_FAILED/i.test(errorOutput)) {
    return 'the GPU driver for Vulkan failed to start';
  }
  return null;
}
