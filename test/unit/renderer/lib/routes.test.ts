import { describe, expect, it } from 'vitest';
import { parseRoute, routeHref } from '../../../../src-renderer/lib/routes.js';
import type { Route } from '../../../../src-renderer/lib/routes.js';

describe('the hash routes', () => {
  it('reads every screen from its hash', () => {
    expect(parseRoute('')).toEqual({ page: 'home' });
    expect(parseRoute('#/')).toEqual({ page: 'home' });
    expect(parseRoute('#/datasets')).toEqual({ page: 'datasets' });
    expect(parseRoute('#/datasets/import')).toEqual({ page: 'import-dataset' });
    expect(parseRoute('#/datasets/a%20b')).toEqual({ page: 'dataset', id: 'a b' });
    expect(parseRoute('#/experiments/new?dataset=d1&preset=quick')).toEqual({
      page: 'new-experiment',
      datasetId: 'd1',
      preset: 'quick',
    });
    expect(parseRoute('#/experiments/e1?tab=compare')).toEqual({
      page: 'experiment',
      id: 'e1',
      tab: 'compare',
    });
    expect(parseRoute('#/experiments/e1/export?run=r2')).toEqual({
      page: 'export',
      experimentId: 'e1',
      runId: 'r2',
    });
    expect(parseRoute('#/settings/x')).toEqual({ page: 'not-found', path: '/settings/x' });
    expect(parseRoute('#/datasets/a/b')).toEqual({ page: 'not-found', path: '/datasets/a/b' });
  });

  it('writes hashes that read back as the same route', () => {
    const routes: Route[] = [
      { page: 'home' },
      { page: 'datasets' },
      { page: 'import-dataset' },
      { page: 'dataset', id: 'with/slash' },
      { page: 'experiments' },
      { page: 'new-experiment', datasetId: null, preset: null },
      { page: 'new-experiment', datasetId: 'd 1', preset: 'paper' },
      { page: 'experiment', id: 'e1', tab: null },
      { page: 'experiment', id: 'e1', tab: 'compare' },
      { page: 'export', experimentId: 'e1', runId: null },
      { page: 'export', experimentId: 'e1', runId: 'r&2' },
    ];
    for (const route of routes) expect(parseRoute(routeHref(route))).toEqual(route);
    expect(routeHref({ page: 'new-experiment', datasetId: 'd1', preset: 'quick' })).toBe(
      '#/experiments/new?dataset=d1&preset=quick',
    );
  });
});
