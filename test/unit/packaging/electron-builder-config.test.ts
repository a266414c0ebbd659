import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';
import { minimatch } from 'minimatch';
import { beforeAll, describe, expect, it } from 'vitest';

const projectDirectory = process.cwd();
let config: Configuration;

beforeAll(async () => {
  config = await getConfig(projectDirectory, 'electron-builder.yml', null);
});

/** Files under node_modules whose names end in one of `suffixes`, as paths relative to the project. */
function filesEndingIn(directory: string, suffixes: RegExp): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) found.push(...filesEndingIn(path, suffixes));
    else if (suffixes.test(entry.name)) found.push(relative(projectDirectory, path).split(sep).join('/'));
  }
  return found;
}

/** The package folder (`node_modules/a` or `node_modules/@scope/a`) that holds a file. */
function packageFolder(file: string): string {
  const parts = file.split('/');
  const last = parts.lastIndexOf('node_modules');
  const scoped = parts[last + 1]?.startsWith('@') === true;
  return parts.slice(0, last + (scoped ? 3 : 2)).join('/');
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('would be refused with a misspelt fuse, so the validation above does check the fuses', async () => {
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNodes: false } };
    await expect(validateConfiguration(misspelt as Configuration, new DebugLogger(false))).rejects.toThrow(
      /electronFuses/,
    );
  });

  it('sets the hardening fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('keeps the app code inside app.asar, as onlyLoadAppFromAsar requires', () => {
    const packageJson = JSON.parse(readFileSync(join(projectDirectory, 'package.json'), 'utf8')) as {
      main: string;
    };
    expect(config.asar).toBe(true);
    const unpack = (config.asarUnpack ?? []) as string[];
    for (const appFile of [packageJson.main, 'build/preload/preload.cjs', 'build/src-main/worker/main.js']) {
      expect(unpack.filter((pattern) => minimatch(appFile, pattern, { dot: true }))).toEqual([]);
    }
  });

  it('unpacks every native binary the packaged app ships, so it can still be loaded', () => {
    const lock = JSON.parse(readFileSync(join(projectDirectory, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const unpack = (config.asarUnpack ?? []) as string[];
    const shipped = filesEndingIn(join(projectDirectory, 'node_modules'), /\.(node|so(\.\d+)*|dylib|dll)$/)
      .filter((file) => lock.packages[packageFolder(file)]?.dev !== true)
      .filter((file) => !file.includes('/test/'));
    expect(shipped.length).toBeGreaterThan(0);
    const packed = shipped.filter(
      (file) => !unpack.some((pattern) => minimatch(file, pattern, { dot: true })),
    );
    expect(packed).toEqual([]);
    for (const module of ['better-sqlite3', 'sharp', 'onnxruntime-node', 'webgpu']) {
      expect(unpack.some((pattern) => pattern.startsWith(`node_modules/${module}/`))).toBe(true);
    }
  });
});
