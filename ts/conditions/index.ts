/** The conditions of Nguyen, Bréchet and Mondelli 2021: feature probes, pruning beside them, their path and its bound, widths. */
export { hiddenLayers, keptCount, probeArch, type HiddenLayer } from './units.js';
export { probeNetwork, readLayerOutput, mapConcurrent, type ProbeOptions, type ProbeReport, type LayerProbe, type LossError } from './probe.js';
export { comparePruning, type PruningOptions, type PruningComparison, type PruningRow } from './pruning.js';
export {
  constructPath, type ConstructedPath, type ConstructedSegment, type ConstructedSegmentKind, type PathFunction, type PathProbe,
} from './constructed-path.js';
export {
  checkSegmentBounds, checkPathBounds, referenceLosses,
  type FunctionLosses, type SegmentCheck, type BoundCheck, type BoundOptions, type PathBoundOptions, type PathBoundReport, type ProbeLosses,
} from './bound.js';
export { widthConditions, widthRegime, type WidthConditions, type WidthRegime } from './widths.js';
export { widthSweep, evenSubset, sweepArch, type SweepConfig, type SweepRow, type WidthSweepOptions } from './width-sweep.js';
