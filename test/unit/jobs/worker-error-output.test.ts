import { describe, expect, it } from 'vitest';
import { isGpuLibraryNoise, WorkerErrorEcho } from '../../../src-main/jobs/worker-error-output.js';

// Printed by the webgpu package's dawn.node on a Linux machine with the Vulkan loader but no GPU driver.
const dawnWithoutDriver = [
  'Warning: loader_get_json: Failed to open JSON file /nonexistent.json',
  'Warning: vkCreateInstance: Found no drivers!',
  'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER',
  '    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)',
  '',
  '',
].join('\n');

function echoed(chunks: readonly string[]): string {
  let written = '';
  const echo = new WorkerErrorEcho((text) => (written += text));
  for (const chunk of chunks) echo.push(chunk);
  echo.flush();
  return written;
}

describe('isGpuLibraryNoise', () => {
  it('recognises the lines Dawn, the Vulkan loader and libwayland print on a machine without a GPU', () => {
    for (const line of dawnWithoutDriver.split('\n').filter((text) => text !== '')) {
      expect(isGpuLibraryNoise(line), line).toBe(true);
    }
    expect(isGpuLibraryNoise("Warning: Couldn't load Vulkan")).toBe(true);
    expect(isGpuLibraryNoise('error: XDG_RUNTIME_DIR is invalid or not set in the environment.')).toBe(true);
  });

  it('keeps the worker’s own messages, crash reports and JavaScript stack frames', () => {
    expect(isGpuLibraryNoise('FATAL ERROR: JavaScript heap out of memory')).toBe(false);
    expect(isGpuLibraryNoise('compute worker: ignored a malformed message: kind is missing')).toBe(false);
    expect(isGpuLibraryNoise('    at trainStep (/app/build/src-main/engine/train/trainer.js:120:7)')).toBe(
      false,
    );
    expect(isGpuLibraryNoise('Warning: the dataset folder is read-only')).toBe(false);
  });
});

describe('WorkerErrorEcho', () => {
  it('drops Dawn’s warnings and echoes the lines around them', () => {
    expect(echoed([`before\n${dawnWithoutDriver}after\n`])).toBe('before\nafter\n');
  });

  it('recognises a noise line split across chunks', () => {
    const splitAt = dawnWithoutDriver.indexOf('INCOMPATIBLE');
    expect(echoed([dawnWithoutDriver.slice(0, splitAt), dawnWithoutDriver.slice(splitAt)])).toBe('');
  });

  it('keeps a blank line that does not follow noise', () => {
    expect(echoed(['first\n\nsecond\n'])).toBe('first\n\nsecond\n');
  });

  it('echoes an unfinished last line when flushed', () => {
    expect(echoed(['Segmentation fault'])).toBe('Segmentation fault');
  });
});
