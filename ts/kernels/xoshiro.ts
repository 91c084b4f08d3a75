/**
 * xoshiro128** in plain TS: the same stream as crate/src/rng.rs, bit for bit. 32-bit words are kept
 * unsigned with `>>> 0`, products wrap with `Math.imul`, and the f64 arithmetic of the normals (`ln`,
 * sqrt) is written in the Rust file's exact order. Feature code draws from it; tests use it as the twin.
 */
import { type RngKernels, checkState, checkU32 } from './rng.js';

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** MurmurHash3's 32-bit finaliser. */
function fmix32(z: number): number {
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** Writes the state for `(seed, stream)` into `s`. */
export function seedState(seed: number, stream: number, s: Uint32Array): void {
  let x = seed >>> 0;
  let y = (stream ^ 0x6a09e667) >>> 0;
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    y = (y + 0xbb67ae85) >>> 0;
    s[i] = fmix32((x ^ fmix32(y)) >>> 0);
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
}

/** A fresh state for (seed, stream), identical to the crate's `rng::seed`. */
export function rngState(seed: number, stream = 0): Uint32Array {
  const state = new Uint32Array(4);
  seedState(seed, stream, state);
  return state;
}

/** Next u32 of xoshiro128**, advancing `s`. */
export function nextU32(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
  const t = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 11);
  return result;
}

/** Uniform in [0, 1): top 24 bits times 2^-24 (an exact f32 value). */
export function uniform(s: Uint32Array): number {
  return (nextU32(s) >>> 8) * (1 / 16777216);
}

/** Uniform integer in [0, n), 1 ≤ n < 2^32, rejecting draws below 2^32 mod n. */
export function below(s: Uint32Array, n: number): number {
  const threshold = (4294967296 - n) % n;
  for (;;) {
    const r = nextU32(s);
    if (r >= threshold) return r % n;
  }
}

const TWO32 = 4294967296;
const SQRT_HALF = 0.7071067811865476;
const SQRT_TWO = 1.4142135623730951;
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;

/** Natural log from + − × ÷ in crate/src/rng.rs's order (identical bits). */
export function ln(x: number): number {
  if (!(x > 0) || x === Infinity) return x === 0 ? -Infinity : x > 0 ? x : NaN;
  let m = x;
  let k = 0;
  while (m < 1 / TWO32) {
    m *= TWO32;
    k -= 32;
  }
  while (m >= TWO32) {
    m *= 1 / TWO32;
    k += 32;
  }
  while (m < SQRT_HALF) {
    m *= 2;
    k -= 1;
  }
  while (m >= SQRT_TWO) {
    m *= 0.5;
    k += 1;
  }
  const f = (m - 1) / (m + 1);
  const f2 = f * f;
  let p = 1 / 23;
  for (let d = 21; d > 2; d -= 2) p = 1 / d + f2 * p;
  const lnm = 2 * f + 2 * f * (f2 * p);
  return k * LN2_HI + (k * LN2_LO + lnm);
}

/** Two standard normals (Marsaglia polar), each rounded once to f32. */
export function normalPair(st: Uint32Array): [number, number] {
  for (;;) {
    const u = 2 * uniform(st) - 1;
    const v = 2 * uniform(st) - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) {
      const f = Math.sqrt((-2 * ln(s)) / s);
      return [Math.fround(u * f), Math.fround(v * f)];
    }
  }
}

/** Fills `out` with a random permutation of 0..n−1 (Fisher–Yates from the top). */
export function permutation(s: Uint32Array, out: Uint32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = i;
  for (let i = out.length - 1; i > 0; i--) {
    const j = below(s, i + 1);
    const tmp = out[i];
    out[i] = out[j];
    out[j] = tmp;
  }
}

/** The PRNG kernels in plain TS: production code (shuffles, initialisation, directions) and the twin of the WASM PRNG. */
export const xoshiroKernels: RngKernels = {
  rngSeed({ seed, stream }, state) {
    checkU32('seed', seed);
    checkU32('stream', stream);
    checkState(state);
    seedState(seed, stream, state);
  },
  rngU32(state, out) {
    checkState(state);
    for (let i = 0; i < out.length; i++) out[i] = nextU32(state);
  },
  rngUniform(state, out) {
    checkState(state);
    for (let i = 0; i < out.length; i++) out[i] = uniform(state);
  },
  rngNormal(state, out) {
    checkState(state);
    for (let i = 0; i < out.length; i += 2) {
      const [a, b] = normalPair(state);
      out[i] = a;
      if (i + 1 < out.length) out[i + 1] = b;
    }
  },
  rngBelow({ n }, state, out) {
    checkU32('n', n, 1);
    checkState(state);
    for (let i = 0; i < out.length; i++) out[i] = below(state, n);
  },
  rngPermutation(state, out) {
    checkState(state);
    permutation(state, out);
  },
};
