/** modeconn: mode connectivity of neural networks on a SIMD WebAssembly core. */
export { ModeconnError, type ErrorCode } from './errors.js';
export { Core, getCore, type Buf, type Scope } from './wasm/kernel.js';
export { setCoreSource } from './wasm/load.js';
export { wasmKernels } from './wasm/kernels/index.js';
export type { Kernels } from './kernels/types.js';
