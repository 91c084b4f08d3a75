/** Ensembles and averages: ensemble prediction, calibration, diversity, FGE, SWA and its geometry, the equal-budget comparison. */
export {
  combinePredictions, EnsembleAccumulator, softmaxRow, argmaxFirst, type EnsembleResult, type MemberPrediction, type Labels,
} from './predictions.js';
export { evaluateEnsemble, evaluateMembers, type EvaluateEnsembleOptions, type EnsembleEvaluation } from './evaluate.js';
export { calibrationOf, ECE_BINS, type Calibration, type CalibrationBin } from './calibration.js';
export { pairwiseDiversity, diversityOf, type PairwiseDiversity, type Diversity } from './diversity.js';
export { ensembleGrowth, type GrowthPoint, type GrowthOptions } from './growth.js';
export { averageParams } from './average.js';
export { resolveStart, continueFrom, type Start, type StartModel, type Pretrain, type Started, type StartedRunOptions } from './start.js';
export { fastGeometricEnsemble, type FgeOptions, type FgeResult, type FgeSnapshot } from './fge.js';
export { stochasticWeightAveraging, type SwaOptions, type SwaResult, type SwaSchedule } from './swa.js';
export { measureSwaGeometry, firstCrossing, type SwaGeometry, type SwaGeometryOptions, type Rays } from './swa-geometry.js';
export { planBudget, snapshotsWithin, ENSEMBLE_METHODS, type EnsembleMethod, type Allotment, type BudgetPlan, type BudgetPlanInit } from './budget.js';
export { compareEnsembles, type CompareEnsemblesOptions, type ComparisonRow, type EnsembleComparison } from './compare.js';
