import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelCardSchema, parseModelCard } from '../../../src-shared/contracts/model-card.js';
import { exportRunResultSchema, exportRunJobSchema } from '../../../src-shared/contracts/worker-protocol.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { currentCard, earlierCardJson } from '../../support/model-card-fixtures.js';

describe('the model card schema', () => {
  it('reads a card of this version whole, resolved hyperparameters and measurement facts included', () => {
    const card = currentCard();
    const parsed = parseModelCard(JSON.stringify(card), 'model-card.json');
    expect(parsed).toEqual(card);
    expect(parsed.training.resolvedHyperparameters?.find((entry) => entry.key === 'beta')).toMatchObject({
      value: 600,
      source: 'derived',
    });
    expect(parsed.parity.onnx?.runTestImages).toBe(500);
    expect(parsed.latency.onnxRuntime?.threads).toBe(1);
  });

  it('still reads a card an earlier version stored, without the fields added since', () => {
    const parsed = parseModelCard(earlierCardJson, 'an earlier card');
    expect(parsed.training.hyperparameters).toEqual({});
    expect(parsed.training.resolvedHyperparameters).toBeUndefined();
    expect(parsed.training.testEvaluation).toBeUndefined();
    expect(parsed.parity.onnx?.runTestImages).toBeUndefined();
    expect(parsed.latency.onnxRuntime?.warmupRuns).toBeUndefined();
  });

  it('keeps fields a newer version adds out of the typed card instead of refusing it', () => {
    const newer = { ...currentCard(), somethingNewer: { a: 1 } };
    expect(parseModelCard(JSON.stringify(newer), 'newer')).not.toHaveProperty('somethingNewer');
  });

  it('says which file and which field is wrong', () => {
    expect(() => parseModelCard('{"workbenchVersion": ', '/x/model-card.json')).toThrow(
      /^\/x\/model-card\.json is not JSON:/,
    );
    const broken = { ...currentCard(), format: 'pytorch', parity: { onnx: { images: 'many' } } };
    expect(() => parseModelCard(JSON.stringify(broken), '/x/model-card.json')).toThrow(
      /^\/x\/model-card\.json is not a model card of this workbench: format: .*; parity\.onnx\.images: /,
    );
    expect(() => parseModelCard('[]', 'list.json')).toThrow(/\(the card\): /);
  });

  it('is what the worker returns for an export, an object and not a string to parse again', () => {
    const card = currentCard();
    expect(exportRunResultSchema.parse({ directory: '/out', card })).toEqual({ directory: '/out', card });
    expect(
      exportRunResultSchema.safeParse({ directory: '/out', cardJson: JSON.stringify(card) }).success,
    ).toBe(false);
    expect(modelCardSchema.safeParse({ ...card, parity: { onnx: { images: 0 } } }).success).toBe(false);
  });

  it('types the training facts the export job carries to the worker', () => {
    const job = {
      type: 'export-run',
      forcedBackend: null,
      modelDirectory: '/m',
      datasetDirectory: '/d',
      outDirectory: '/o',
      layout: 'NCHW',
      probabilities: false,
      force: false,
      training: currentCard().training,
      testImageLimit: 500,
      workbenchVersion: '0.2.0',
    };
    expect(exportRunJobSchema.parse(job).training).toEqual(currentCard().training);
    expect(exportRunJobSchema.safeParse({ ...job, testImageLimit: 0 }).success).toBe(false);
  });
});

describe('the exports repository', () => {
  function storeAlone() {
    const store = openWorkbenchStore(mkdtempSync(join(tmpdir(), 'rtk-cards-')));
    // The repository is tested alone: its row needs no run of the store behind it.
    store.database.connection.pragma('foreign_keys = OFF');
    return store;
  }

  it('parses every stored card once through the schema: earlier ones and new ones alike', () => {
    const store = storeAlone();
    store.database.connection
      .prepare(
        `INSERT INTO exports (id, run_id, format, precision, path, report_json, created_at)
         VALUES ('old', 'r', 'onnx', 'float32', '/exports/old', ?, '2026-01-05T10:00:00.000Z')`,
      )
      .run(earlierCardJson);
    const card = currentCard();
    const inserted = store.exports.insert({
      id: 'new',
      name: 'new',
      runId: 'r',
      format: card.format,
      precision: card.precision,
      directory: '/exports/new',
      createdAt: '2026-02-01T09:30:00.000Z',
      card,
    });
    expect(inserted.card).toEqual(card);
    const [newest, oldest] = store.exports.list();
    expect(newest?.card).toEqual(card);
    expect(oldest?.card.training.testTop1).toBe(0.195);
    expect(oldest?.card.parity.onnx?.images).toBe(1000);
    store.close();
  });

  it('names the export whose stored card is not a model card', () => {
    const store = storeAlone();
    store.database.connection
      .prepare(
        `INSERT INTO exports (id, run_id, format, precision, path, report_json, created_at)
         VALUES ('broken', 'r', 'onnx', 'float32', '/exports/b', '{"format": "onnx"}', 'now')`,
      )
      .run();
    expect(() => store.exports.get('broken')).toThrow(
      /^The model card of export broken in the store is not a model card of this workbench: /,
    );
    store.close();
  });
});
