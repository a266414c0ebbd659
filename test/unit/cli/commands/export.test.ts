import { describe, expect, it } from 'vitest';
import type { ExportRecord } from '../../../../src-shared/contracts/api.js';
import { parseModelCard } from '../../../../src-shared/contracts/model-card.js';
import { formatExportSummary } from '../../../../src-main/cli/commands/export.js';
import { currentCard, earlierCardJson } from '../../../support/model-card-fixtures.js';

function record(card: ExportRecord['card']): ExportRecord {
  return {
    id: 'x1',
    name: 'rtk-onnx',
    runId: 'r',
    format: card.format,
    precision: card.precision,
    directory: '/exports/rtk-onnx',
    createdAt: '2026-02-01T09:30:00.000Z',
    card,
  };
}

describe('the CLI export summary', () => {
  it('puts the run’s figure beside the exported one, on the same images, and says so', () => {
    const lines = formatExportSummary(record(currentCard())).split('\n');
    expect(lines[0]).toBe('Exported onnx (float32) to /exports/rtk-onnx');
    expect(lines[1]).toMatch(/^ {2}Test top-1 recorded by the run: 19\.50% on 500 of the 10,000 test images/);
    expect(lines).toContain('  model files: 312.5 KiB');
    expect(lines).toContain('  preset ONNX mobile: budget 20.00 MiB met');
    expect(lines).toContain(
      '  onnx: exported accuracy 19.50% (in-app 19.50%, 0.00 points), top-1 agreement 100.00%, ' +
        'max |Δlogit| 3.00e-6 on the run’s 500 test images, the same as its Test top-1',
    );
    expect(lines).toContain(
      '  latency onnxRuntime: 0.27 ms median (batch 1, threads 1 (one core), onnxruntime-node (cpu))',
    );
  });

  it('ends with what each printed figure means, each definition once', () => {
    const text = formatExportSummary(record(currentCard()));
    const notes = text.slice(text.indexOf('What the figures mean:'));
    expect(notes).toContain('\n  Test top-1: The share of test images');
    expect(notes).toContain('engine: ONNX Runtime (onnxruntime-node, CPU)');
    expect(notes).toContain('engine: onnxruntime-node (cpu); model: the exported files; batch size: 1');
    expect(notes.match(/\n {2}In-app accuracy:/g)).toHaveLength(1);
    expect(notes.match(/\n {2}Latency:/g)).toHaveLength(2);
  });

  it('reads a card an earlier version stored, saying its parity images were not the run’s', () => {
    const text = formatExportSummary(record(parseModelCard(earlierCardJson, 'earlier')));
    expect(text).toContain('  Test top-1 recorded by the run: 19.50%\n');
    expect(text).toContain('on 1,000 test images (an export of an older version: not necessarily the run’s)');
    expect(text).toContain('threads not recorded');
  });
});
