import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResults, RunSummary } from '../../../src-shared/contracts/run-types.js';
import { recommendationBasis } from '../../../src-shared/domain/vocabulary.js';
import { demoDatasetRequests, demoGeneratorKey } from '../../../src-main/services/demo-dataset.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = join(root, 'src-main/cli/main.ts');
let home = '';

/** Runs the real CLI (from its TypeScript source, through tsx) on the test's workbench home. */
function cli(...argumentList: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...argumentList, '--home', home], {
    cwd: root,
    encoding: 'utf8',
    timeout: 540_000,
    env: { ...process.env, RTK_BACKEND: 'wasm', RTK_WORKBENCH_DEMO_SIZE: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'rtk-cli-demo-'));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('rtk-workbench demo', () => {
  it('draws the demo dataset, trains a teacher and three students, and exports the recommended one, verified', () => {
    const demo = cli('demo', '--size', 'small');
    expect(demo.stderr).toMatch(
      /Demo dataset "Demo shapes \(small\)" \([0-9a-f-]{36}\): 10 classes, 400 training/,
    );
    expect(demo.stderr).toMatch(
      /Experiment "Demo \(small\): RTK and KD on shapes" \([0-9a-f-]{36}\): 4 runs queued/,
    );
    expect(demo.stderr).toMatch(/teacher resnet8 seed 1: done/);
    expect(demo.stderr).toContain('Exporting the recommended student (');
    expect(demo.code).toBe(0);
    expect(demo.stdout).toMatch(/\nRecommended: /);
    expect(demo.stdout).toContain(recommendationBasis);
    const directory =
      /checked against the trained model, with its model card, to:\n {2}(.+)\n/.exec(demo.stdout)?.[1] ?? '';
    expect(directory.startsWith(join(home, 'exports'))).toBe(true);
    expect(demo.stdout).toMatch(/Demo finished after /);
    for (const file of ['model.onnx', 'model-card.json', join('tfjs', 'model.json'), 'index.html']) {
      expect(existsSync(join(directory, file)), file).toBe(true);
    }

    const experimentId = /Experiment "Demo \(small\)[^"]*" \(([0-9a-f-]{36})\)/.exec(demo.stderr)?.[1] ?? '';
    const results = JSON.parse(cli('results', experimentId, '--json').stdout) as ExperimentResults;
    const runs = (JSON.parse(cli('runs', '--json').stdout) as RunSummary[]).filter(
      (run) => run.experimentId === experimentId,
    );
    expect(runs.map((run) => run.status)).toEqual(['done', 'done', 'done', 'done']);
    // With one seed each, the recommended student is the finished student with the best final-epoch top-1.
    const students = runs.filter((run) => run.role === 'student');
    const best = Math.max(...students.map((run) => run.lastTestTop1 ?? 0));
    const recommended = students.find((run) => run.id === results.recommendation?.runId);
    expect(recommended?.lastTestTop1).toBe(best);
    expect(demo.stdout).toContain(results.recommendation?.summary ?? 'no recommendation');

    const card = JSON.parse(readFileSync(join(directory, 'model-card.json'), 'utf8')) as {
      training: { runId: string; method: string };
      parity: Record<string, { top1Agreement: number }>;
    };
    expect(card.training.runId).toBe(recommended?.id);
    expect(Object.keys(card.parity).sort()).toEqual(['onnx', 'tfjs']);
    const store = openWorkbenchStore(home);
    try {
      expect(store.exports.list(recommended?.id).map((record) => record.directory)).toEqual([directory]);
      const dataset = store.datasets.findByGenerator(demoGeneratorKey(demoDatasetRequests.small));
      expect(dataset?.name).toBe('Demo shapes (small)');
      expect(store.experiments.get(experimentId)?.datasetId).toBe(dataset?.id);
    } finally {
      store.close();
    }
  });
});
