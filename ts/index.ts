/**
 * modeconn: mode connectivity of neural networks on a SIMD WebAssembly core.
 * @module modeconn
 */
export { ModeconnError, type ErrorCode } from './errors.js';
export { Core, getCore, type Buf, type Scope, type CoreOptions } from './wasm/kernel.js';
export { setExactKernels, exactKernels, kernelInfo, type GemmKernel, type KernelInfo } from './wasm/kernel-choice.js';
export { relaxedSimdSupported } from './wasm/relaxed.js';
export { setCoreSource } from './wasm/load.js';
export { wasmKernels } from './wasm/kernels/index.js';
export type { Kernels } from './kernels/types.js';

// ---- data and files (io) ----
export { createDataSet, subsetDataSet, splitDataSet, shuffledOrder, type DataSet, type DataSetInit, type SplitOptions } from './data/dataset.js';
export { batches, fillBatch, batchCount, type Batch, type BatchBuffers, type BatchOptions } from './data/batches.js';
export { normalizeDataSet, computeNormStats, scaleToUnit, type NormStats, type NormalizeOptions, type ScaleStats } from './data/normalize.js';
export { parseIdx, decodeIdx, loadIdx, type IdxArray, type IdxDtype, type LoadIdxOptions } from './data/idx.js';
export { loadIdxFiles, loadIdxDirectory, type IdxDirectoryOptions } from './data/idx-files.js';
export { loadMnist, loadFashionMnist, FASHION_MNIST_DIR, MNIST_ASSETS, type Split, type MnistOptions, type FashionMnistOptions } from './data/mnist.js';
export { twoMoons, spirals, gaussianBlobs, type SyntheticOptions, type SpiralOptions, type BlobOptions } from './data/synthetic.js';
export { parseCifar, cifarRecordSize, CIFAR_STATS, type CifarVariant, type ChannelStats, type ParseCifarOptions } from './data/cifar.js';
export { loadCifar, cifarFileNames, type LoadCifarOptions } from './data/cifar-files.js';
export {
  parseSafetensors,
  expectTensors,
  tensorToFloat32,
  type SafetensorsDtype,
  type Tensor,
  type TensorData,
  type SafetensorsFile,
  type ReadSafetensorsOptions,
  type ExpectTensorsOptions,
} from './io/safetensors.js';
export { serializeSafetensors, type TensorInput, type WriteSafetensorsOptions } from './io/safetensors-write.js';
export { loadSafetensors, saveSafetensors } from './io/safetensors-files.js';
export { detectModelFormat, type ModelFileFormat } from './io/file-format.js';

// ---- models: architectures, plans, training ----
export * from './model/index.js';

// ---- model files (PyTorch state_dicts) ----
export {
  modelToTensors, modelFromTensors, modelMetadata, serializeModel, parseModel, archFromMetadata, inferMlpArch,
  ARCH_METADATA_KEY, type ModelTensor, type ModelFromTensorsOptions, type SaveModelOptions,
} from './io/model-tensors.js';
export { saveModel, loadModel, loadTensorFile, isPtPath } from './io/model-files.js';
export { parseTensorFile, NAMES_METADATA_KEY, type NameChoice } from './io/model-tensors.js';
export { parsePt, isLegacyPt, STATE_DICT_KEYS, type PtFile, type ReadPtOptions } from './io/pt.js';
export { serializePt, type PtTensorInput } from './io/pt-write.js';
export { ALLOWED_GLOBALS, STORAGE_DTYPES } from './io/torch-pickle.js';
export { mapNames, parseNameMapping, type NameMapping, type NameRule } from './io/names.js';
export { stringifyExact, parseExact } from './io/exact-json.js';
export { inferArch, type InferOptions, type InferredArch } from './io/infer-arch.js';

// ---- ONNX: import torch.onnx.export graphs, export models for onnxruntime (docs/ONNX.md) ----
export {
  parseOnnx, serializeOnnx, looksLikeOnnx, ONNX_IMPORT_OPS, ONNX_EXPORT_OPSET, ONNX_INPUT, ONNX_OUTPUT, ONNX_ARCH_KEY, type OnnxReadOptions,
} from './io/onnx.js';
export { loadOnnx, saveOnnx } from './io/onnx-files.js';

// ---- paths and curves ----
export * from './paths/index.js';

// ---- Hessians: products, spectra, along paths ----
export * from './hessian/index.js';
// loss-landscape's HDF5 files are Node-only (h5wasm, file paths): `modeconn/hdf5`.

// ---- subspace training and intrinsic dimension ----
export * from './subspace/index.js';

// ---- align: assignment, permutation specs, weight and activation matching ----
export { linearSumAssignment, solveAssignment, type Assignment, type AssignmentOptions } from './align/lsa.js';
export { UNASSIGNED, type LsaParams, type LsaKernels } from './kernels/lsa.js';
export {
  permutationSpec, specOf, validateSpec, validatePermutations, applyPermutation, permuteParams,
  identityPermutations, randomPermutations, invertPermutation,
  type PermAxis, type PermGroup, type PermutationSpec, type Permutations,
} from './align/spec.js';
export { weightMatching, type WeightMatchingOptions, type AlignOptions, type AlignmentResult } from './align/weight-matching.js';
export { activationMatching, type ActivationMatchingOptions } from './align/activation-matching.js';
export { unitCorrelation, type UnitCorrelation, type UnitCorrelationOptions } from './align/correlation.js';
export { assertSameFunction } from './align/check.js';
export {
  normalizeScale, scaleUnitsRelu, scaleUnitsBatchNorm, unitRoles,
  type NormalizeScaleOptions, type NormalizedScale, type UnitRoles,
} from './align/scale.js';
export { Repair, resetBatchNorm, type RepairOptions, type RepairSite, type RepairSiteKind, type UnitStats } from './align/repair.js';
export { swapUnits, swapPath, permutationSaddle, type SaddleResult } from './align/saddle.js';
export { explainBarrier, type ExplainOptions, type ExplainResult, type ExplainRow, type ExplainKey } from './align/explain.js';
export { steMatching, type LearnedAlignment } from './align/ste-matching.js';
export { sinkhornMatching, type SinkhornMatchingOptions } from './align/sinkhorn-matching.js';
export { sinkhornForward, sinkhornBackward, type SinkhornTape } from './align/sinkhorn.js';
export { Adam, type LearnedPermutationOptions } from './align/learning-loop.js';
export { softTensors, applyAlong, transformTensor, addUnitCost, permutationMatrix, permutationMatrices, type SoftTensor } from './align/soft-permute.js';
export {
  weightMatchingArbitrariness, spreadOf, disagreementOf, type ArbitrarinessOptions, type ArbitrarinessReport, type SeedOutcome, type Spread,
} from './align/arbitrariness.js';

// ---- merging many models, model soups (docs/MERGING.md) ----
export { averageParams } from './merge/average.js';
export { mergeMany, checkModels, type MergeManyOptions, type MergeResult } from './merge/merge-many.js';
export { cycleConsistentMerge, type CycleConsistentOptions, type CycleConsistentResult } from './merge/cycle-consistent.js';
export { cycleError, pairFromUniverse, pairsFromUniverse, pairwiseWeightMatching, type PairwiseMatchings } from './merge/cycle-error.js';
export { evaluateMerge, repairMerged, type EvaluateMergeOptions, type MergeEvaluation, type Scores } from './merge/evaluate-merge.js';
export { uniformSoup, greedySoup, type SoupOptions, type GreedySoup } from './merge/soup.js';

// ---- instability analysis (Frankle et al. 2020) ----
export { instabilityAnalysis, defaultSpawnSteps, type InstabilityOptions, type InstabilityReport, type SpawnResult } from './instability/instability.js';

// ---- worker pool ----
export { createPool, type Pool, type PoolOptions, type WorkerFault, type WorkerMemory } from './workers/pool.js';

// ---- loss landscapes: filter-normalised directions, planes through three models ----
export * from './landscape/index.js';

// ---- stability: dropout stability and the paths of Kuditipudi et al. ----
export { dropoutStability, dropoutNetwork, dropoutPath, type KeptUnits, type StabilityOptions, type StabilityResult, type DropoutPath, type SegmentKind } from './stability/dropout.js';
export { noiseStability, type NoiseOptions, type NoiseResult, type NoiseLayer } from './stability/noise.js';
export { measureCushions, noiseStabilityEpsilon, type CushionOptions, type CushionResult, type CushionLayer } from './stability/cushion.js';
export { noisePath, type NoisePath, type NoiseSegmentKind } from './stability/noise-path.js';
export { unitStack, type UnitStack, type UnitLayer } from './stability/units.js';
export { counterexample, wideCounterexample, groundTruthNet, type Counterexample, type WideCounterexample } from './stability/counterexample.js';
export { demonstrateCounterexample, type CounterexampleOptions, type CounterexampleReport, type CounterexampleNet, type CounterexamplePath } from './stability/counterexample-paths.js';
export { createSquaredLossRunner } from './stability/squared-loss-runner.js';

// ---- when are solutions connected (Nguyen et al. 2021): feature probes, their path, widths ----
export * from './conditions/index.js';

// ---- simplexes of low loss (Benton et al. 2021) ----
export { fitSimplex, logVolume, sampleWeights, type FitSimplexOptions, type SimplexResult, type SimplexEpochLog } from './simplex/fit.js';
export { evaluateSimplex, type EvaluateSimplexOptions, type SimplexPoint, type SimplexReport } from './simplex/evaluate.js';

// ---- ensembles and averages: ensemble prediction, FGE, SWA, the equal-budget comparison ----
export * from './ensembles/index.js';

// ---- plots ----
export * from './plot/index.js';

// ---- benchmarks ----
export * from './bench/index.js';
