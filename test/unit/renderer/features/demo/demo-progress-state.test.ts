import { describe, expect, it } from 'vitest';
import type { DemoStatus } from '../../../../../src-shared/contracts/demo-types.js';
import {
  demoFor,
  justFinished,
} from '../../../../../src-renderer/features/demo/demo-progress-state.svelte.js';

function status(changes: Partial<DemoStatus>): DemoStatus {
  return {
    id: 'demo-1',
    size: 'small',
    phase: 'training',
    datasetId: 'dataset-1',
    experimentId: 'experiment-1',
    runsDone: 1,
    runsTotal: 4,
    recommendedRunId: null,
    export: null,
    message: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: null,
    ...changes,
  };
}

describe('the demo on its experiment page', () => {
  it('shows only the demo of this experiment, not one still drawing its dataset or of another experiment', () => {
    expect(demoFor(status({}), 'experiment-1')?.id).toBe('demo-1');
    expect(demoFor(status({ phase: 'dataset', experimentId: null }), 'experiment-1')).toBeNull();
    expect(demoFor(status({ experimentId: 'experiment-2' }), 'experiment-1')).toBeNull();
    expect(demoFor(null, 'experiment-1')).toBeNull();
  });

  it('lands on Compare only when it sees the demo finish, not when it opens on a finished one', () => {
    const done = status({ phase: 'done', runsDone: 4 });
    expect(justFinished(status({ phase: 'exporting' }), done)).toBe(true);
    expect(justFinished(null, done)).toBe(false);
    expect(justFinished(done, done)).toBe(false);
    expect(justFinished(status({ phase: 'exporting' }), status({ phase: 'failed' }))).toBe(false);
  });
});
