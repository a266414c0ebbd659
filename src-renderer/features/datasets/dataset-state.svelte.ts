import type { DatasetThumbnails, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';
import type { HealthReport } from '../../../src-shared/contracts/dataset-manifest.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** One dataset with its health report, and its sample thumbnails loaded after. */
export class DatasetState {
  loading = $state(true);
  error = $state<string | null>(null);
  dataset = $state.raw<DatasetSummary | null>(null);
  health = $state.raw<HealthReport | null>(null);
  thumbnails = $state.raw<DatasetThumbnails | null>(null);
  thumbnailsError = $state<string | null>(null);

  constructor(
    private readonly api: WorkbenchApi,
    readonly id: string,
  ) {}

  /** Loads the dataset and its report, then the thumbnails. */
  async load(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const details = await this.api.getDataset({ id: this.id });
      this.dataset = details.dataset;
      this.health = details.health;
    } catch (error) {
      this.error = messageOf(error);
      return;
    } finally {
      this.loading = false;
    }
    try {
      this.thumbnails = await this.api.getDatasetThumbnails({ id: this.id });
    } catch (error) {
      this.thumbnailsError = messageOf(error);
    }
  }
}
