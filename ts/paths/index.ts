/** Paths and curves: bases, blending, evaluation, metrics, fitting, ensembles, files and manifests. */
export {
  type Path, type PathKind, linearPath, polyChain, bezierPath, waypointPath, bezierCurve, polyChainCurve,
  withPoints, bendIndices, uniformTs,
} from './path.js';
export { PathBlender, pointAt, arcLength } from './blender.js';
export {
  evaluatePath, planPathCells, assemblePathReport, hasBatchNorm, perClassAccuracy,
  type PathPlan, type PathCell, type BnMode, type PathData, type EvaluatePathOptions, type PathPoint, type PathCurve, type PathReport,
} from './evaluate.js';
export {
  barrier, barrierMaxMinusMean, midpointDeficit, lengthWeightedMean, curveMetrics, bootstrapBarrier,
  type CurveMetrics, type BarrierStatistic, type BootstrapOptions, type BootstrapInterval,
} from './metrics.js';
export { createManifest, dataIdentity, hashParams, LIBRARY_VERSION, type RunManifest, type DataIdentity } from './manifest.js';
export { fitCurve, curveGradient, type FitCurveOptions, type FitEpochLog, type FitResult } from './fit.js';
export { saveCurve, loadCurve, serializeCurve, parseCurve, type CurveDescription, type SaveCurveOptions } from './curve-files.js';
export { ensembleAlongPath, scoreProbabilities, type EnsembleOptions, type EnsembleReport, type Scored } from './ensemble.js';
export { autoNeb, type AutoNebOptions, type AutoNebResult, type AutoNebCycle } from './autoneb.js';
