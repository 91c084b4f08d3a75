export { randomProjection, fwht, type Projection, type ProjectionKind } from './projection.js';
export { trainSubspace, type SubspaceOptions, type SubspaceOptimizer, type SubspaceEpoch, type SubspaceResult } from './train.js';
export { intrinsicDimension, smallestReaching, type IntrinsicOptions, type IntrinsicRow, type IntrinsicResult } from './intrinsic.js';
