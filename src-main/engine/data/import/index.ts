export { importDataset } from './import-dataset.js';
export type { ImportOptions, ImportRequest, ImportResult } from './import-dataset.js';
export { importPhases } from './progress.js';
export type { ImportPhase, ImportProgress } from './progress.js';
export { detectDataset } from '../formats/detect.js';
export type { DetectOptions } from '../formats/detect.js';
export {
  DatasetAccessError,
  DatasetError,
  DatasetFormatError,
  DatasetLayoutError,
  DatasetRequestError,
  ImportCancelledError,
} from '../formats/errors.js';
export { datasetFormatLabels, datasetFormats, splitNames } from '../formats/types.js';
export type { DatasetFormat, DetectedDataset, SplitName } from '../formats/types.js';
export { loadCachedSplit, readHealthReport, readManifest, verifyCache } from '../cache.js';
export type { DatasetManifest, HealthReport } from '../cache.js';
