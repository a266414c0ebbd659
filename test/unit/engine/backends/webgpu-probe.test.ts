import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeGpuLibraryOutput,
  probeWebGpuAdapter,
} from '../../../../src-main/engine/backends/webgpu-probe.js';
import { requestWebGpuAdapter } from '../../../../src-main/engine/backends/webgpu.js';

// Chromium (a test dependency) ships a Vulkan loader and SwiftShader's software Vulkan driver: with them the
// probe process sees a known adapter, and with the driver list pointing at nothing it sees none.
const chromium = '/usr/lib/chromium';
const swiftShaderIcd = `${chromium}/vk_swiftshader_icd.json`;
const saved = { ...process.env };

function useVulkanDrivers(icd: string): void {
  if (!existsSync(swiftShaderIcd))
    throw new Error(`SwiftShader is missing: install Debian's chromium package.`);
  process.env['VK_ICD_FILENAMES'] = icd;
  process.env['LD_LIBRARY_PATH'] = chromium;
}

afterEach(() => {
  for (const name of ['VK_ICD_FILENAMES', 'LD_LIBRARY_PATH']) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

describe('describeGpuLibraryOutput', () => {
  it('says in words that no Vulkan driver was found, without the build-machine path', () => {
    const output =
      'Warning: vkCreateInstance: Found no drivers!\n' +
      'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\n' +
      '    at CheckVkSuccessImpl (/home/runner/work/node-webgpu/node-webgpu/third_party/dawn/src/dawn/native/vulkan/VulkanError.cpp:106)\n';
    expect(describeGpuLibraryOutput(output)).toBe('no GPU driver for Vulkan was found');
  });

  it('names the missing Vulkan library', () => {
    expect(describeGpuLibraryOutput("Warning: Couldn't load Vulkan\n")).toMatch(
      /^the Vulkan library \(libvulkan\.so\.1\) is not installed/,
    );
  });

  it('says nothing about output it does not recognise', () => {
    expect(describeGpuLibraryOutput('')).toBeNull();
    expect(describeGpuLibraryOutput('some other message\n')).toBeNull();
  });
});

describe('probeWebGpuAdapter (a real Dawn in a child process)', () => {
  it('finds SwiftShader as a software adapter', async () => {
    useVulkanDrivers(swiftShaderIcd);
    const result = await probeWebGpuAdapter();
    expect(result.adapter?.vendor).toBe('google');
    expect(result.adapter?.architecture).toBe('swiftshader');
    expect(result.adapter?.maxStorageBufferBindingSize).toBeGreaterThan(0);
  }, 30_000);

  it('collects Dawn’s warnings when there is no driver, and the doctor’s reason says so in words', async () => {
    useVulkanDrivers('/nonexistent/no-driver.json');
    const result = await probeWebGpuAdapter();
    expect(result.adapter).toBeNull();
    expect(result.errorOutput).toMatch(/VK_ERROR_INCOMPATIBLE_DRIVER/);
    await expect(requestWebGpuAdapter()).rejects.toThrow(
      /^no WebGPU adapter: no GPU driver for Vulkan was found$/,
    );
  }, 30_000);
});
