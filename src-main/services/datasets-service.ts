import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { DatasetSummary } from '../../src-shared/contracts/domain-types.js';
import type { ImportDatasetJob, ImportProgressReport } from '../../src-shared/contracts/worker-protocol.js';
import { importProgressSchema } from '../../src-shared/contracts/worker-protocol.js';
import { cachedDatasetFacts } from '../engine/data/cache.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { homeLayout } from '../store/home-layout.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

/** What an import needs from the caller; the cache folder is chosen by the service. */
export type ImportDatasetRequest = Omit<ImportDatasetJob, 'type' | 'target'>;

/** The outcome of an import: the dataset, and whether identical content was already there. */
export interface ImportedDataset {
  readonly dataset: DatasetSummary;
  readonly alreadyImported: boolean;
  readonly seconds: number;
}

/**
 * Imports a dataset through the compute worker into `<home>/datasets/<id>/` and records it in the store only
 * once the cache folder is complete. Identical content (same fingerprint) is recognised: the new copy is
 * removed and the existing dataset returned.
 */
export async function importDatasetIntoStore(
  context: { store: WorkbenchStore; supervisor: WorkerSupervisor; homeDirectory: string },
  request: ImportDatasetRequest,
  onProgress: (progress: ImportProgressReport) => void,
): Promise<ImportedDataset> {
  const id = randomUUID();
  const target = homeLayout(context.homeDirectory).datasetFolder(id);
  const result = await context.supervisor.run({ type: 'import-dataset', ...request, target }, (progress) => {
    const parsed = importProgressSchema.safeParse(progress);
    if (parsed.success) onProgress(parsed.data);
  });
  const facts = cachedDatasetFacts(result.manifest);
  const existing = context.store.datasets.findByFingerprint(facts.fingerprint);
  if (existing !== undefined) {
    await rm(result.directory, { recursive: true, force: true });
    return { dataset: existing, alreadyImported: true, seconds: result.seconds };
  }
  try {
    const dataset = context.store.datasets.insert({
      id,
      ...facts,
      cachePath: result.directory,
      manifest: result.manifest,
    });
    return { dataset, alreadyImported: false, seconds: result.seconds };
  } catch (error) {
    await rm(result.directory, { recursive: true, force: true });
    throw error;
  }
}
