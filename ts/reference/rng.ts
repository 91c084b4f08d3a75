/** The PRNG twin: the production TS generator (ts/kernels/xoshiro.ts) is already bit-identical to the WASM one. */
export { seedState, nextU32, uniform, below, ln, normalPair, permutation, xoshiroKernels as rngReference } from '../kernels/xoshiro.js';
