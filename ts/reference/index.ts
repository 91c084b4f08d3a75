/** The pure-TS twin of every kernel: the oracle in tests and the "JS" column in benchmarks. */
import type { Kernels } from '../kernels/types.js';
import { blendReference, dropoutReference, optimReference, rngReference } from './vec.js';

export const referenceKernels: Kernels = {
  ...rngReference, ...dropoutReference, ...optimReference, ...blendReference,
};
