/** Models: architectures as data, their compilation to plan words and a θ layout, and initialisation. */
export {
  type Arch, type Layer, type Size2, type DenseLayer, type Conv2dLayer, type BatchNormLayer, type ReluLayer,
  type MaxPoolLayer, type AvgPoolLayer, type FlattenLayer, type DropoutLayer, type ResidualLayer,
  validateArch, mlp, vgg, resnet, type MlpOptions, type VggOptions, type ResnetOptions,
} from './arch.js';
export { compileArch, type CompiledArch, type LayoutEntry, type LayoutKind } from './compile.js';
export { decodePlan, encodePlan, PlanMode, NONE, PLAN_MAGIC, PLAN_VERSION, type Plan, type PlanOp } from './plan-format.js';
export { initParams, type InitOptions, type InitScheme } from './init.js';
export { Engine, assertFinite, checkData, meanOf, summarizeEval, rngState, type DeviceData, type EvalResult, type EvaluateOptions, type ForwardMode } from './engine.js';
export {
  trainModel, evaluateModel, evaluateMany, recomputeBatchNorm, compiledOf,
  type Model, type TrainingLoopOptions, type OptimizerConfig, type EpochLog, type TrainProgress, type TrainOptions, type TrainResult,
} from './train.js';
export { learningRate, checkSchedule, type Schedule, type ScheduleContext } from './schedule.js';
