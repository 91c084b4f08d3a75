/** The pure-TS twin of the GEMM: a plain i-k-j loop with one f64 row accumulator. */
import { type GemmKernels, checkGemm } from '../kernels/gemm.js';

export const gemmReference: GemmKernels = {
  gemm(p, a, b, bias, c) {
    checkGemm(p, a, b, bias, c);
    const { m, n, k } = p;
    const beta = p.beta ?? 0;
    const acc = new Float64Array(n);
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      for (let q = 0; q < k; q++) {
        const aiq = p.transA ? a[q * m + i] : a[i * k + q];
        if (p.transB) {
          for (let j = 0; j < n; j++) acc[j] += aiq * b[j * k + q];
        } else {
          const row = q * n;
          for (let j = 0; j < n; j++) acc[j] += aiq * b[row + j];
        }
      }
      for (let j = 0; j < n; j++) {
        let v = acc[j];
        if (beta !== 0) v += beta * c[i * n + j];
        if (bias) v += p.biasAxis === 'row' ? bias[i] : bias[j];
        if (p.relu && v < 0) v = 0;
        c[i * n + j] = v;
      }
    }
  },
};
