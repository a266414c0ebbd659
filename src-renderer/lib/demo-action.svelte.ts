import type { WorkbenchApi } from '../../src-shared/contracts/api.js';
import type { Router } from './router.svelte.js';
import { strings } from './strings.js';

/** "Try the demo": prepares the demo dataset, then opens the new-experiment wizard on it with the Quick preset. */
export class DemoAction {
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(
    private readonly api: WorkbenchApi,
    private readonly router: Router,
  ) {}

  /** Creates (or finds) the demo dataset and opens the wizard. */
  async start(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.error = null;
    try {
      const dataset = await this.api.createDemoDataset();
      this.router.go({ page: 'new-experiment', datasetId: dataset.id, preset: 'quick' });
    } catch (error) {
      this.error = strings.home.demoFailed(error instanceof Error ? error.message : String(error));
    } finally {
      this.busy = false;
    }
  }
}
