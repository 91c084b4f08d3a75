/** The vector-op twin: f32 rounding per op and the four-lane f64 reductions of crate/src/blend.rs. */
import { expectLength } from '../errors.js';
import { type BlendKernels, checkBlend } from '../kernels/blend.js';

const f32 = Math.fround;

/** Four-lane f64 sum of `term(i)`, lane i mod 4, combined (l0 + l1) + (l2 + l3). */
function laneSum(n: number, term: (i: number) => number): number {
  const l = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) l[i & 3] += term(i);
  return (l[0] + l[1]) + (l[2] + l[3]);
}

function scalarOut(out: Float64Array): void {
  expectLength('out', out, 1);
}

/** Vector ops in plain TS. */
export const blendReference: BlendKernels = {
  vecAxpy({ a }, x, y) {
    expectLength('y', y, x.length);
    const af = f32(a);
    for (let i = 0; i < x.length; i++) y[i] = f32(y[i] + f32(af * x[i]));
  },
  vecScale({ a }, x) {
    const af = f32(a);
    for (let i = 0; i < x.length; i++) x[i] = x[i] * af;
  },
  vecBlend(coeffs, thetas, out) {
    checkBlend(coeffs, thetas, out);
    if (thetas.length === 0) {
      out.fill(0);
      return;
    }
    for (let i = 0; i < out.length; i++) {
      let acc = f32(coeffs[0] * thetas[0][i]);
      for (let j = 1; j < thetas.length; j++) acc = f32(acc + f32(coeffs[j] * thetas[j][i]));
      out[i] = acc;
    }
  },
  vecDot(x, y, out) {
    expectLength('y', y, x.length);
    scalarOut(out);
    out[0] = laneSum(x.length, (i) => x[i] * y[i]);
  },
  vecNorm2(x, out) {
    scalarOut(out);
    out[0] = Math.sqrt(laneSum(x.length, (i) => x[i] * x[i]));
  },
  vecMaxabs(x, out) {
    scalarOut(out);
    let m = 0;
    let nan = false;
    for (let i = 0; i < x.length; i++) {
      const a = Math.abs(x[i]);
      if (a !== a) nan = true;
      else if (a > m) m = a;
    }
    out[0] = nan ? NaN : m;
  },
  vecDist2(x, y, out) {
    expectLength('y', y, x.length);
    scalarOut(out);
    out[0] = laneSum(x.length, (i) => {
      const d = x[i] - y[i];
      return d * d;
    });
  },
};
