/**
 * The kernel interface: one method per kernel, implemented twice with identical signatures — by
 * the WASM core (`wasmKernels`) and by the pure-TS twin (`referenceKernels`). Outputs are written
 * into caller-provided typed arrays.
 */

// Each kernel group appends its interface here.
export interface Kernels {}

import type { BlendKernels } from './blend.js';
import type { DropoutKernels } from './dropout.js';
import type { OptimKernels } from './optim.js';
import type { RngKernels } from './rng.js';
export interface Kernels extends RngKernels, DropoutKernels, OptimKernels, BlendKernels {}
