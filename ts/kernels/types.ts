/**
 * The kernel interface: one method per kernel, implemented twice with identical signatures — by
 * the WASM core (`wasmKernels`) and by the pure-TS twin (`referenceKernels`). Outputs are written
 * into caller-provided typed arrays.
 */

// Each kernel group appends its interface here.
export interface Kernels {}

import type { ConvKernels } from './conv.js';
export interface Kernels extends ConvKernels {}

import type { GemmKernels } from './gemm.js';
export interface Kernels extends GemmKernels {}
