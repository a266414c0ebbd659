import * as path from 'node:path';
import type { DatasetManifest, HealthReport } from '../cache.js';
import type { DetectedDataset } from '../formats/types.js';
import { analysePhase } from './analyse-phase.js';
import { detectPhase, relocated } from './detect-phase.js';
import { checkRequest, startRun } from './import-run.js';
import type { ImportOptions, ImportRequest } from './import-run.js';
import { readPhase } from './read-phase.js';
import { removeAbandonedScratch } from './scratch-folders.js';
import { refuseExistingTarget, writePhase } from './write-phase.js';

export type { ImportOptions, ImportRequest } from './import-run.js';

/** A finished import: the cache folder and what was written into it. */
export interface ImportResult {
  readonly directory: string;
  readonly detected: DetectedDataset;
  readonly manifest: DatasetManifest;
  readonly health: HealthReport;
  readonly seconds: number;
}

/**
 * Imports a dataset into a new cache folder in four phases: detect (unpacking an archive into the
 * workbench home first), read (decode every split, convert size and channels), analyse (carve test and
 * validation splits, statistics, fingerprint, health report) and write (into a temporary folder beside
 * `target`, renamed into place only when complete). On any failure or cancellation nothing is left
 * behind, the unpacked copy of an archive included, and a DatasetError (or ImportCancelledError) is thrown.
 */
export async function importDataset(
  request: ImportRequest,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const startedAt = performance.now();
  const run = startRun(checkRequest(request), options);
  await refuseExistingTarget(run.settings.target, 'before');
  await removeAbandonedScratch(path.dirname(run.settings.target));
  const source = await detectPhase(run);
  try {
    const { decoded, shape } = await readPhase(run, source.detected);
    const analysed = analysePhase(run, source.detected, decoded, shape, source.shown);
    const name = request.name ?? source.defaultName;
    const sources = decoded.sources.map(source.shown);
    const manifest = await writePhase(run, name, source.detected, { ...decoded, sources }, shape, analysed);
    return {
      directory: run.settings.target,
      detected: source.shownDetected,
      manifest,
      health: analysed.health,
      seconds: (performance.now() - startedAt) / 1000,
    };
  } catch (error) {
    throw source.shownDetected.archive === undefined ? error : relocated(error, source.shown);
  } finally {
    await source.dispose();
  }
}
