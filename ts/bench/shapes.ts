/**
 * The benchmark's named workloads: GEMM shapes (m, k, n) in the layouts training uses, and the
 * training job of bench/RESULTS.md — MLP 784-512-512-10, batch 128, SGD with momentum, one epoch,
 * then evaluation in batches of 1000 — at two scales ('quick' for a look, 'full' for the record).
 */

/** One GEMM workload: op(A) (m,k) · op(B) (k,n). */
export interface GemmShape {
  name: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

/** The GEMMs of one MLP 784-512-512-10 training step at batch 256 (forward, weight and input gradients), and an im2col conv. */
export const GEMM_SHAPES: readonly GemmShape[] = [
  { name: 'MLP layer forward A·Bᵀ', m: 256, k: 784, n: 512, transA: false, transB: true },
  { name: 'MLP weight gradient Aᵀ·B', m: 512, k: 256, n: 784, transA: true, transB: false },
  { name: 'MLP input gradient A·B', m: 256, k: 512, n: 784, transA: false, transB: false },
  { name: 'square 512³ A·B', m: 512, k: 512, n: 512, transA: false, transB: false },
  { name: 'im2col conv 3×3×32→64, 28×28', m: 64, k: 288, n: 784, transA: false, transB: false },
];

/** Repetitions and sizes of a scale. */
export interface BenchScale {
  /** Timed GEMM calls per shape and kernel (median). */
  gemmReps: number;
  /** Training samples in the epoch (60,000 is Fashion-MNIST's training split). */
  trainSamples: number;
  /** Evaluated samples (10,000 is the test split). */
  evalSamples: number;
  /** Timed epochs per kernel (median). */
  trainReps: number;
  /** Twin training steps timed and extrapolated to the epoch. */
  twinSteps: number;
}

export const BENCH_SCALES: Readonly<Record<'quick' | 'full', BenchScale>> = {
  quick: { gemmReps: 5, trainSamples: 6400, evalSamples: 2000, trainReps: 1, twinSteps: 2 },
  full: { gemmReps: 21, trainSamples: 60000, evalSamples: 10000, trainReps: 3, twinSteps: 10 },
};

/** The training job: the MLP of bench/RESULTS.md. */
export const TRAIN_JOB = { input: 784, hidden: [512, 512], classes: 10, batchSize: 128, evalBatch: 1000, lr: 0.05, momentum: 0.9, seed: 1 } as const;
