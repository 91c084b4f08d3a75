/** The pure-TS twin of the weight-matching helpers: gathers, an f64 product loop, plain sums. */
import { type WmatchKernels, checkDot, checkTerm } from '../kernels/wmatch.js';
import { ModeconnError } from '../errors.js';

export const wmatchReference: WmatchKernels = {
  wmatchTermUpdate(p, a, b, changed, map, basis, cost) {
    const { n } = checkTerm(p, a, b, changed, map, basis, cost);
    const { q, s, axis } = p;
    const at = (c: number, i: number, t: number) => (axis === 0 ? (i * q + c) * s + t : (c * q + i) * s + t);
    for (const c of changed) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let t = 0; t < s; t++) {
            const fresh = b[at(map[c], j, t)];
            // The difference is rounded to f32, as the crate's gathered slices are.
            const d = basis ? Math.fround(fresh - b[at(basis[c], j, t)]) : fresh;
            sum += a[at(c, i, t)] * d;
          }
          cost[i * n + j] += sum;
        }
      }
    }
  },

  wmatchSum(terms, out) {
    for (const [i, t] of terms.entries()) {
      if (t.length < out.length) throw new ModeconnError('BAD_SHAPE', `terms[${i}] has ${t.length} elements, expected ${out.length}`);
    }
    if (terms.length === 0) out.fill(0);
    else out.set(terms[0].subarray(0, out.length));
    for (let k = 1; k < terms.length; k++) for (let i = 0; i < out.length; i++) out[i] += terms[k][i];
  },

  wmatchDot(p, a, b, offs, acc) {
    checkDot(p, a, b, offs, acc);
    const [d0, d1, d2, d3] = p.dims;
    const [s1, s2, s3] = [d0, d0 + d1, d0 + d1 + d2];
    let sum = acc[0];
    let o = 0;
    for (let x = 0; x < d0; x++) {
      for (let y = 0; y < d1; y++) {
        for (let z = 0; z < d2; z++) {
          for (let w = 0; w < d3; w++) sum += a[o++] * b[offs[x] + offs[s1 + y] + offs[s2 + z] + offs[s3 + w]];
        }
      }
    }
    acc[0] = sum;
  },
};
