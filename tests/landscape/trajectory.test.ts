// Trajectory PCA (Gram-matrix route): snapshots that lie in a known plane give that plane back (the
// directions span it, the explained variance is all in two components, every snapshot is in the
// plane and its coordinates reproduce its offset from the final point); the directions equal the top
// eigenvectors of the P × P covariance computed the slow way on a small case; a rectangle's corners give
// its known singular values and variances; three snapshots suffice, and the refusals name the culprit.
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../../ts/hessian/symmetric-eigen.js';
import { gaussianVector } from '../../ts/hessian/lanczos.js';
import { trajectoryPca } from '../../ts/landscape/trajectory.js';
import { mlp } from '../../ts/model/builders.js';
import { compileArch } from '../../ts/model/compile.js';

const arch = mlp({ input: 5, hidden: [4], classes: 3, batchNorm: true });
const compiled = compileArch(arch);
const P = compiled.paramCount;

/** Orthonormal u, w over the trainable entries (Gram–Schmidt in f64). */
function plane(): [Float64Array, Float64Array] {
  const u = gaussianVector(P, 1, 0);
  const w = gaussianVector(P, 2, 0);
  const nu = Math.hypot(...u);
  u.forEach((x, i) => (u[i] = x / nu));
  const c = u.reduce((s, x, i) => s + x * w[i], 0);
  w.forEach((x, i) => (w[i] = x - c * u[i]));
  const nw = Math.hypot(...w);
  w.forEach((x, i) => (w[i] = x / nw));
  return [u, w];
}

describe('trajectoryPca', () => {
  it('recovers the plane a trajectory lies in', () => {
    const [u, w] = plane();
    const base = gaussianVector(compiled.totalLength, 3, 0);
    // A spiral-ish path in the plane, stretched along u.
    const snapshots = Array.from({ length: 12 }, (_, t) => {
      const [a, b] = [3 * Math.cos(t / 3) * (1 + t / 6), Math.sin(t / 2) * (1 + t / 10)];
      return Float32Array.from(base, (x, i) => (i < P ? x + a * u[i] + b * w[i] : x));
    });
    const pca = trajectoryPca(arch, snapshots);
    expect(pca.explainedVarianceRatio[0] + pca.explainedVarianceRatio[1]).toBeGreaterThan(1 - 1e-6);
    expect(pca.explainedVarianceRatio[0]).toBeGreaterThan(pca.explainedVarianceRatio[1]);
    for (const d of pca.directions) {
      // d lies in span{u, w} and has unit norm.
      const [du, dw] = [d.reduce((s, x, i) => s + (i < P ? x * u[i] : 0), 0), d.reduce((s, x, i) => s + (i < P ? x * w[i] : 0), 0)];
      expect(du * du + dw * dw).toBeCloseTo(1, 5);
      expect(Array.from(d.subarray(P)).every((x) => x === 0)).toBe(true);
    }
    const dd = pca.directions[0].reduce((s, x, i) => s + x * pca.directions[1][i], 0);
    expect(Math.abs(dd)).toBeLessThan(1e-5);
    pca.inPlane.slice(0, -1).forEach((f) => expect(f).toBeCloseTo(1, 4));
    // Coordinates rebuild each snapshot from the final one.
    snapshots.forEach((s, j) => {
      const [x, y] = pca.coordinates[j];
      for (let i = 0; i < P; i += 7) expect(pca.origin[i] + x * pca.directions[0][i] + y * pca.directions[1][i]).toBeCloseTo(s[i], 4);
    });
    expect(pca.coordinates[11]).toEqual([0, 0]);
  });

  it('its directions are the covariance matrix\'s top eigenvectors (small case, P × P route)', () => {
    const snapshots = Array.from({ length: 6 }, (_, j) => Float32Array.from(gaussianVector(compiled.totalLength, 10 + j, 0)));
    const pca = trajectoryPca(arch, snapshots);
    const mean = new Float64Array(P);
    snapshots.forEach((s) => s.subarray(0, P).forEach((x, i) => (mean[i] += x / 6)));
    const cov = new Float64Array(P * P);
    for (const s of snapshots) for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) cov[a * P + b] += (s[a] - mean[a]) * (s[b] - mean[b]);
    const { values, vectors } = symmetricEigen(cov, P);
    const total = values.reduce((s, v) => s + Math.max(0, v), 0);
    [0, 1].forEach((j) => {
      const col = P - 1 - j;
      const dot = pca.directions[j].subarray(0, P).reduce((s, x, i) => s + x * vectors[i * P + col], 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 4);
      expect(pca.explainedVarianceRatio[j]).toBeCloseTo(values[col] / total, 6);
      expect(pca.explainedVariance[j]).toBeCloseTo(values[col] / 5, 4);
    });
    // inPlane over the trainable entries only: the running statistics differ between these
    // snapshots, but θ's offsets are measured where the directions live.
    const last = snapshots[5];
    snapshots.slice(0, 5).forEach((s, j) => {
      let [x, y, off] = [0, 0, 0];
      for (let i = 0; i < P; i++) {
        const o = s[i] - last[i];
        x += o * pca.directions[0][i];
        y += o * pca.directions[1][i];
        off += o * o;
      }
      expect(pca.inPlane[j]).toBeCloseTo((x * x + y * y) / off, 6);
    });
    // The report owns its arrays: the origin is a copy of the final snapshot.
    expect(pca.origin).toEqual(last);
    expect(pca.origin).not.toBe(last);
  });

  it('three snapshots are enough (the fewest that span a plane); fewer, or the wrong θ, are refused by name', () => {
    const [u, w] = plane();
    const base = gaussianVector(compiled.totalLength, 3, 0);
    const at = (a: number, b: number) => Float32Array.from(base, (x, i) => (i < P ? x + a * u[i] + b * w[i] : x));
    const pca = trajectoryPca(arch, [at(2, 0), at(0, 1), at(0, 0)]);
    // Offsets from the final snapshot: (2, 0) and (0, 1) in the (u, w) plane, all of them in the PCA plane.
    expect(pca.inPlane[0]).toBeCloseTo(1, 5);
    expect(pca.inPlane[1]).toBeCloseTo(1, 5);
    expect(pca.inPlane[2]).toBeNaN();
    expect(Math.hypot(...pca.coordinates[0])).toBeCloseTo(2, 4);
    expect(Math.hypot(...pca.coordinates[1])).toBeCloseTo(1, 4);
    expect(pca.origin).toEqual(at(0, 0));
    expect(() => trajectoryPca(arch, [at(1, 0), at(0, 1)])).toThrow('a trajectory PCA needs at least 3 snapshots, got 2');
    expect(() => trajectoryPca(arch, [at(1, 0), at(0, 1).subarray(1), at(0, 0)])).toThrow(`snapshot 1 has ${compiled.totalLength - 1} values; the architecture needs ${compiled.totalLength}`);
    expect(() => trajectoryPca(arch, [at(1, 0), at(0, 1), Float64Array.from(at(0, 0)) as unknown as Float32Array])).toThrow(/snapshot 2 has/);
    expect(() => trajectoryPca(arch, [at(1, 0), at(0, 1), undefined as unknown as Float32Array])).toThrow(`snapshot 2 has undefined values; the architecture needs ${compiled.totalLength}`);
  });

  it('singular values and variances are those of the centred snapshots (a known rectangle)', () => {
    // Four corners of a 4 × 2 rectangle in the (u, w) plane: centred, the Gram matrix's eigenvalues
    // are 4·2² = 16 along u and 4·1² = 4 along w.
    const [u, w] = plane();
    const base = gaussianVector(compiled.totalLength, 5, 0);
    const corners = [[2, 1], [-2, 1], [-2, -1], [2, -1]].map(([a, b]) => Float32Array.from(base, (x, i) => (i < P ? x + a * u[i] + b * w[i] : x)));
    const pca = trajectoryPca(arch, corners);
    expect(pca.singularValues[0]).toBeCloseTo(4, 4);
    expect(pca.singularValues[1]).toBeCloseTo(2, 4);
    expect(pca.explainedVariance[0]).toBeCloseTo(16 / 3, 4);
    expect(pca.explainedVariance[1]).toBeCloseTo(4 / 3, 4);
    expect(pca.explainedVarianceRatio[0]).toBeCloseTo(0.8, 5);
    expect(pca.explainedVarianceRatio[1]).toBeCloseTo(0.2, 5);
    // d1 is ±u, d2 is ±w; coordinates from the last corner (2, −1).
    expect(Math.abs(pca.directions[0].reduce((s, x, i) => s + (i < P ? x * u[i] : 0), 0))).toBeCloseTo(1, 5);
    expect(Math.abs(pca.directions[1].reduce((s, x, i) => s + (i < P ? x * w[i] : 0), 0))).toBeCloseTo(1, 5);
    expect(Math.abs(pca.coordinates[0][0])).toBeCloseTo(0, 4);
    expect(Math.abs(pca.coordinates[0][1])).toBeCloseTo(2, 4);
    expect(Math.abs(pca.coordinates[1][0])).toBeCloseTo(4, 4);
  });

  it('refuses a trajectory on a line', () => {
    const base = gaussianVector(compiled.totalLength, 3, 0);
    const dir = gaussianVector(compiled.totalLength, 4, 0);
    const line = [0, 1, 2, 3].map((t) => Float32Array.from(base, (x, i) => (i < P ? x + t * dir[i] : x)));
    expect(() => trajectoryPca(arch, line)).toThrow(/less than a plane/);
    // Coinciding snapshots: no variance at all (every eigenvalue and their total 0).
    expect(() => trajectoryPca(arch, [base, base, base].map((b) => Float32Array.from(b)))).toThrow('the snapshots span less than a plane (they lie on a line or coincide)');
  });
});
