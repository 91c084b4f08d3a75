/** The kernels backed by the WASM core; same signatures as the TS twin. */
import type { Kernels } from '../../kernels/types.js';
import type { Core } from '../kernel.js';
import { convKernels } from './conv.js';
import { gemmKernels } from './gemm.js';

export function wasmKernels(core: Core): Kernels {
  void core;
  return {
    ...convKernels(core),
    ...gemmKernels(core),
  };
}
