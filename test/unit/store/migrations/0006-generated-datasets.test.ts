import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../../src-main/store/migrations/index.js';
import { generatedDatasets } from '../../../../src-main/store/migrations/0006-generated-datasets.js';
import { DatasetsRepository } from '../../../../src-main/store/repositories/datasets-repository.js';
import { fixtureManifest } from '../../../support/stored-fixtures.js';

function dataset(id: string, fingerprint: string, generator?: string) {
  return {
    id,
    name: 'Demo shapes',
    format: 'folder',
    imageHeight: 32,
    imageWidth: 32,
    channels: 3,
    classCount: 10,
    trainCount: 40,
    testCount: 20,
    fingerprint,
    cachePath: `/home/datasets/${id}`,
    manifest: fixtureManifest(),
    ...(generator === undefined ? {} : { generator }),
  };
}

describe('migration 0006: generated datasets', () => {
  it('keeps the datasets of earlier versions and finds a generated one by its key, through an index', () => {
    const connection = new Database(':memory:');
    for (const migration of migrations.filter((entry) => entry.version < generatedDatasets.version)) {
      migration.up(connection);
    }
    connection
      .prepare(
        `INSERT INTO datasets (id, name, format, fingerprint, image_height, image_width, channels, class_count,
          train_count, test_count, cache_path, manifest_json, created_at)
        VALUES ('legacy', 'Demo shapes', 'folder', 'f-legacy', 32, 32, 3, 10, 40, 20, '/home/datasets/legacy', ?,
          'then')`,
      )
      .run(JSON.stringify(fixtureManifest()));
    generatedDatasets.up(connection);
    const repository = new DatasetsRepository(connection);
    expect(repository.get('legacy')).toMatchObject({ id: 'legacy', name: 'Demo shapes', trainCount: 40 });
    expect(repository.findByGenerator('demo-shapes/1?train=40&test=20&seed=1')).toBeUndefined();

    repository.setGenerator('legacy', 'demo-shapes/1?train=40&test=20&seed=1');
    expect(repository.findByGenerator('demo-shapes/1?train=40&test=20&seed=1')?.id).toBe('legacy');
    const drawn = repository.insert(dataset('drawn', 'f-drawn', 'demo-shapes/1?train=400&test=200&seed=1'));
    expect(drawn).not.toHaveProperty('generator');
    expect(repository.findByGenerator('demo-shapes/1?train=400&test=200&seed=1')?.id).toBe('drawn');
    expect(() =>
      repository.insert(dataset('again', 'f-again', 'demo-shapes/1?train=400&test=200&seed=1')),
    ).toThrow(/UNIQUE/);
    // Imports carry no key, and any number of them may sit side by side.
    repository.insert(dataset('import-1', 'f-1'));
    repository.insert(dataset('import-2', 'f-2'));

    const plan = connection
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM datasets WHERE generator = ?`)
      .all('x') as { detail: string }[];
    expect(plan.map((step) => step.detail).join(' ')).toContain('USING INDEX datasets_by_generator');
    connection.close();
  });
});
