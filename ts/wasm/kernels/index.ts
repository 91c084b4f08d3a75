/** The kernels backed by the WASM core; same signatures as the TS twin. */
import type { Kernels } from '../../kernels/types.js';
import type { Core } from '../kernel.js';
import { convKernels } from './conv.js';
import { normKernels } from './norm.js';
import { actKernels } from './act.js';
import { lossKernels } from './loss.js';
import { vecKernels } from './vec.js';
import { gemmKernels } from './gemm.js';
import { lsaKernels } from './lsa.js';
import { wmatchKernels } from './wmatch.js';

export function wasmKernels(core: Core): Kernels {
  return {
    ...convKernels(core),
    ...normKernels(core),
    ...actKernels(core),
    ...lossKernels(core),
    ...vecKernels(core),
    ...gemmKernels(core),
    ...lsaKernels(core),
    ...wmatchKernels(core),
  };
}
