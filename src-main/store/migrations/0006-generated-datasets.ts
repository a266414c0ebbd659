import type { Migration } from './index.js';

/**
 * Datasets the workbench draws itself (the demo) carry the generator and the options they were drawn with,
 * so the same request finds the stored copy without drawing every image again to compute its fingerprint.
 */
export const generatedDatasets: Migration = {
  version: 6,
  name: 'generated datasets',
  up(database) {
    database.exec(`
      ALTER TABLE datasets ADD COLUMN generator TEXT;
      CREATE UNIQUE INDEX datasets_by_generator ON datasets (generator) WHERE generator IS NOT NULL;
    `);
  },
};
