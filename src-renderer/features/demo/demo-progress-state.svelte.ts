import type { WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { DemoStatus } from '../../../src-shared/contracts/demo-types.js';

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a demo status belongs to an experiment and says something new about it. */
export function demoFor(status: DemoStatus | null, experimentId: string): DemoStatus | null {
  return status !== null && status.experimentId === experimentId ? status : null;
}

/** Whether the demo ended with its student exported between two statuses seen on the page. */
export function justFinished(before: DemoStatus | null, after: DemoStatus | null): boolean {
  return after?.phase === 'done' && before !== null && before.phase !== 'done';
}

/** The demo running (or last run) in the workbench, as the page of its experiment shows it. */
export class DemoProgressState {
  status = $state.raw<DemoStatus | null>(null);
  openError = $state<string | null>(null);

  constructor(
    private readonly api: WorkbenchApi,
    readonly experimentId: string,
    private readonly onFinished: () => void,
  ) {}

  /** Loads the current demo; nothing shows when it belongs to another experiment. */
  async load(): Promise<void> {
    try {
      const { demo } = await this.api.getDemo();
      this.accept(demo);
    } catch {
      // Without the demo's status the page still shows the runs; the next event brings it.
    }
  }

  /** Follows the demo's status events; returns the function that stops. */
  listen(): () => void {
    return this.api.onDemoStatus((status) => this.accept(status));
  }

  /** Opens the exported student's folder (desktop app only). */
  async openFolder(): Promise<void> {
    const exported = this.status?.export;
    if (exported === null || exported === undefined) return;
    this.openError = null;
    try {
      await this.api.openExportFolder({ id: exported.id });
    } catch (error) {
      this.openError = messageOf(error);
    }
  }

  private accept(status: DemoStatus | null): void {
    const mine = demoFor(status, this.experimentId);
    if (mine === null) return;
    const before = this.status;
    this.status = mine;
    if (justFinished(before, mine)) this.onFinished();
  }
}
