/**
 * PCA of a training trajectory (Li et al. 2018, Section 7 and Figure 9): snapshots θ_0..θ_{k−1}
 * (trainable entries), centred on their mean, C = [θ_i − θ̄] (k × P). The top principal directions
 * come from the k × k Gram matrix G = C·Cᵀ, never the P × P covariance: G = U·Λ·Uᵀ, d_j = Cᵀ·u_j/√λ_j
 * (unit vectors), explained variance λ_j/(k − 1) and its ratio λ_j/Σλ (as sklearn's PCA reports them).
 * The plane is drawn around the final snapshot, θ(x, y) = θ_final + x·d_1 + y·d_2, and each snapshot's
 * coordinates are (θ_i − θ_final)·d_j, as loss-landscape's projection does.
 */
import { ModeconnError } from '../errors.js';
import { symmetricEigen } from '../hessian/symmetric-eigen.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';

export interface TrajectoryPca {
  /** The plane's origin: the final snapshot (running statistics included). */
  origin: Float32Array;
  /** Unit principal directions over θ (0 on running statistics). */
  directions: [Float32Array, Float32Array];
  /** Each snapshot's (x, y) on the plane. */
  coordinates: [number, number][];
  explainedVarianceRatio: [number, number];
  explainedVariance: [number, number];
  singularValues: [number, number];
  /** Fraction of each snapshot's offset from the origin that the plane holds, 1 − ‖residual‖²/‖offset‖² (NaN for the origin). */
  inPlane: number[];
}

/** PCA of `snapshots` of `arch` (see the module header); at least three distinct snapshots. */
export function trajectoryPca(arch: Arch, snapshots: readonly Float32Array[]): TrajectoryPca {
  const compiled = compiledOf(arch);
  const k = snapshots.length;
  if (k < 3) throw new ModeconnError('BAD_ARGUMENT', `a trajectory PCA needs at least 3 snapshots, got ${k}`);
  snapshots.forEach((s, i) => {
    if (!(s instanceof Float32Array) || s.length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `snapshot ${i} has ${s?.length} values; the architecture needs ${compiled.totalLength}`);
  });
  const P = compiled.paramCount;
  const mean = new Float64Array(P);
  for (const s of snapshots) for (let i = 0; i < P; i++) mean[i] += s[i] / k;
  const centred = (j: number, i: number) => snapshots[j][i] - mean[i];
  const gram = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let i = 0; i < P; i++) s += centred(a, i) * centred(b, i);
      gram[a * k + b] = gram[b * k + a] = s;
    }
  }
  const { values, vectors } = symmetricEigen(gram, k);
  const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
  if (!(values[k - 2] > 1e-12 * total)) throw new ModeconnError('BAD_ARGUMENT', 'the snapshots span less than a plane (they lie on a line or coincide)');
  const directions = [k - 1, k - 2].map((col) => {
    const d = new Float32Array(compiled.totalLength);
    const acc = new Float64Array(P);
    for (let j = 0; j < k; j++) {
      const u = vectors[j * k + col];
      for (let i = 0; i < P; i++) acc[i] += u * centred(j, i);
    }
    const norm = Math.sqrt(acc.reduce((s, x) => s + x * x, 0));
    for (let i = 0; i < P; i++) d[i] = acc[i] / norm;
    return d;
  }) as [Float32Array, Float32Array];
  const origin = snapshots[k - 1].slice();
  const inPlane: number[] = [];
  const coordinates = snapshots.map((s) => {
    let [x, y, off] = [0, 0, 0];
    for (let i = 0; i < P; i++) {
      const o = s[i] - origin[i];
      x += o * directions[0][i];
      y += o * directions[1][i];
      off += o * o;
    }
    inPlane.push(off > 0 ? (x * x + y * y) / off : NaN);
    return [x, y] as [number, number];
  });
  const lam = [values[k - 1], values[k - 2]];
  return {
    origin, directions, coordinates, inPlane,
    explainedVarianceRatio: [lam[0] / total, lam[1] / total],
    explainedVariance: [lam[0] / (k - 1), lam[1] / (k - 1)],
    singularValues: [Math.sqrt(lam[0]), Math.sqrt(lam[1])],
  };
}
