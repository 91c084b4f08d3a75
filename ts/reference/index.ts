/**
 * The pure-TS twin of every kernel: the oracle in tests and the "JS" column in benchmarks.
 * @module modeconn/reference
 */
import type { Kernels } from '../kernels/types.js';
import { convReference } from './conv.js';
import { normReference } from './norm.js';
import { actReference } from './act.js';
import { lossReference } from './loss.js';
import { gemmReference } from './gemm.js';
import { lsaReference } from './lsa.js';
import { wmatchReference } from './wmatch.js';
import { blendReference, dropoutReference, optimReference, rngReference } from './vec.js';

export const referenceKernels: Kernels = {
  ...convReference,
  ...normReference,
  ...actReference,
  ...lossReference,
  ...rngReference,
  ...dropoutReference,
  ...optimReference,
  ...blendReference,
  ...gemmReference,
  ...lsaReference,
  ...wmatchReference,
};
export { ReferencePlan, type OptimizerStep, type BatchLoss } from './plan.js';
