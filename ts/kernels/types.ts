/**
 * The kernel interface: one method per kernel, implemented twice with identical signatures — by
 * the WASM core (`wasmKernels`) and by the pure-TS twin (`referenceKernels`). Outputs are written
 * into caller-provided typed arrays.
 */
import type { ConvKernels } from './conv.js';
import type { NormKernels } from './norm.js';
import type { ActKernels } from './act.js';
import type { LossKernels } from './loss.js';
import type { RngKernels } from './rng.js';
import type { DropoutKernels } from './dropout.js';
import type { OptimKernels } from './optim.js';
import type { BlendKernels } from './blend.js';
import type { GemmKernels } from './gemm.js';
import type { LsaKernels } from './lsa.js';
import type { WmatchKernels } from './wmatch.js';

export interface Kernels
  extends ConvKernels, NormKernels, ActKernels, LossKernels, RngKernels, DropoutKernels, OptimKernels, BlendKernels, GemmKernels, LsaKernels, WmatchKernels {}
