/** The pure-TS twin of every kernel: the oracle in tests and the "JS" column in benchmarks. */
import type { Kernels } from '../kernels/types.js';
import { convReference } from './conv.js';
import { gemmReference } from './gemm.js';

export const referenceKernels: Kernels = {
  ...convReference,
  ...gemmReference,
};
