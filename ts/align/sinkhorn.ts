/**
 * Sinkhorn normalisation in the log domain and its backward pass: S = exp(L_K) with L_0 = Z/τ and
 * each iteration subtracting the row log-sum-exp, then the column log-sum-exp (S tends to a doubly
 * stochastic matrix; to a permutation as τ → 0). Backward through a normalisation L' = L − lse(L):
 * dL = dL' − exp(L') · Σ dL' (the sum over the normalised axis). Matrices are n×n row-major.
 */

/** The forward pass with what the backward pass needs. */
export interface SinkhornTape {
  n: number;
  tau: number;
  /** L after each half-iteration (row, column, row, …), f32. */
  steps: Float32Array[];
  /** exp of the last step: the soft permutation. */
  s: Float32Array;
}

function normalise(l: Float64Array, n: number, rows: boolean): void {
  for (let a = 0; a < n; a++) {
    let max = -Infinity;
    for (let b = 0; b < n; b++) max = Math.max(max, l[rows ? a * n + b : b * n + a]);
    let sum = 0;
    for (let b = 0; b < n; b++) sum += Math.exp(l[rows ? a * n + b : b * n + a] - max);
    const lse = max + Math.log(sum);
    for (let b = 0; b < n; b++) l[rows ? a * n + b : b * n + a] -= lse;
  }
}

/** S = Sinkhorn(Z/τ) after `iterations` row-and-column passes. */
export function sinkhornForward(z: Float64Array, n: number, tau: number, iterations: number): SinkhornTape {
  const l = Float64Array.from(z, (v) => v / tau);
  const steps: Float32Array[] = [];
  for (let k = 0; k < iterations; k++) {
    normalise(l, n, true);
    steps.push(Float32Array.from(l));
    normalise(l, n, false);
    steps.push(Float32Array.from(l));
  }
  return { n, tau, steps, s: Float32Array.from(l, Math.exp) };
}

/** dL/dZ from dL/dS through the tape. */
export function sinkhornBackward(tape: SinkhornTape, ds: ArrayLike<number>): Float64Array {
  const { n, steps, s } = tape;
  const d = new Float64Array(n * n);
  for (let i = 0; i < d.length; i++) d[i] = ds[i] * s[i];
  for (let k = steps.length - 1; k >= 0; k--) {
    const out = steps[k];
    const rows = k % 2 === 0;
    for (let a = 0; a < n; a++) {
      let sum = 0;
      for (let b = 0; b < n; b++) sum += d[rows ? a * n + b : b * n + a];
      for (let b = 0; b < n; b++) {
        const q = rows ? a * n + b : b * n + a;
        d[q] -= Math.exp(out[q]) * sum;
      }
    }
  }
  for (let i = 0; i < d.length; i++) d[i] /= tape.tau;
  return d;
}
