export { buildBackbone, countTrainableParameters, runBackbone } from './backbone.js';
export { batchNormEpsilon, batchNormMomentum } from './graph-layers.js';
export type { Backbone, BackboneOptions, BackboneOutputs, FeatureTap } from './types.js';
