/** Models: architectures as data, their compilation to plan words and a θ layout, initialisation, the engine and runners. */
export {
  type Arch, type Layer, type Size2, type DenseLayer, type Conv2dLayer, type BatchNormLayer, type ReluLayer,
  type MaxPoolLayer, type AvgPoolLayer, type FlattenLayer, type DropoutLayer, type ResidualLayer, validateArch,
} from './arch.js';
export { mlp, vgg, resnet, type MlpOptions, type VggOptions, type ResnetOptions } from './builders.js';
export { compileArch, type CompiledArch, type LayoutEntry, type LayoutKind } from './compile.js';
export { decodePlan, encodePlan, PlanMode, NONE, PLAN_MAGIC, PLAN_VERSION, type Plan, type PlanOp } from './plan-format.js';
export { initParams, type InitOptions, type InitScheme } from './init.js';
export { Engine, assertFinite, checkData, meanOf, summarizeEval, rngState, type DeviceData, type EvalResult, type EvaluateOptions, type ForwardMode } from './engine.js';
export { type Model, compiledOf, checkParams, withParams } from './model.js';
export {
  type OptimizerConfig, type EpochLog, type JobProgress, type TrainProgress, type TrainingLoopOptions, type TrainJob, type TrainResult,
} from './training-options.js';
export {
  type Runner, type JobOptions, type RunnerEvaluateOptions, type GradientOptions, type BatchGradient, type GradientSession,
  type GradientSessionOptions, type ActivationOptions, type TrainingSession, type TrainingSessionOptions,
} from './runner.js';
export { openTraining, composeTraining } from './training-session.js';
export { openCurveTraining, composeCurveTraining } from './curve-training.js';
export { inlineRunner, resolveRunner } from './inline-runner.js';
export { type HvpOptions, type HvpResult } from './runner.js';
export { trainModel, evaluateModel, evaluateMany, recomputeBatchNorm, readActivations, type TrainOptions, type RunnerOption, type EvaluateModelOptions } from './train.js';
export { learningRate, checkSchedule, cycleSteps, cycleMinimum, type Schedule, type ScheduleContext, type CycleShape } from './schedule.js';
export { allCells, cellsOfShard, checkShard, type CellPlan, type ShardIndex } from './grid-cells.js';
