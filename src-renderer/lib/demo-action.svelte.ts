import type { WorkbenchApi } from '../../src-shared/contracts/api.js';
import type { Router } from './router.svelte.js';
import { strings } from './strings.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The home screen's demo buttons. "Try the demo" starts the whole demo (or finds the one running) and opens
 * its experiment, which shows the demo's progress; "Customise the demo" prepares the demo dataset and opens
 * the new-experiment wizard on it with the Quick preset.
 */
export class DemoAction {
  busy = $state<'start' | 'customise' | null>(null);
  error = $state<string | null>(null);

  constructor(
    private readonly api: WorkbenchApi,
    private readonly router: Router,
  ) {}

  /** Starts the demo, or shows the one already running, on its experiment's page. */
  async start(): Promise<void> {
    await this.act('start', async () => {
      const demo = await this.api.startDemo();
      if (demo.experimentId !== null)
        this.router.go({ page: 'experiment', id: demo.experimentId, tab: null });
    });
  }

  /** Creates (or finds) the demo dataset and opens the wizard on it. */
  async customise(): Promise<void> {
    await this.act('customise', async () => {
      const dataset = await this.api.createDemoDataset();
      this.router.go({ page: 'new-experiment', datasetId: dataset.id, preset: 'quick' });
    });
  }

  private async act(kind: 'start' | 'customise', work: () => Promise<void>): Promise<void> {
    if (this.busy !== null) return;
    this.busy = kind;
    this.error = null;
    try {
      await work();
    } catch (error) {
      this.error = strings.home.demoFailed(messageOf(error));
    } finally {
      this.busy = null;
    }
  }
}
