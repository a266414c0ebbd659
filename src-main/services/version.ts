import { readFileSync } from 'node:fs';

interface PackageManifest {
  version: string;
}

/** The workbench's version, from package.json (two folders up from both the source and the build). */
export const workbenchVersion: string = (
  JSON.parse(
    readFileSync(
      new URL(
        import.meta.url.includes('/build/') ? '../../../package.json' : '../../package.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as PackageManifest
).version;
