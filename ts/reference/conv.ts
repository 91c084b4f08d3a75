/**
 * The pure-TS twin of the conv kernels: direct loops over every output and kernel tap, no im2col,
 * so it is an independent reference for the WASM core's im2col + GEMM. Sums run in f64.
 */
import { ModeconnError, expectLength } from '../errors.js';
import {
  type ConvKernels, type Conv2dParams, type Pool2dParams, checkConv2dBackward, checkConv2dForward, pool2dShape,
} from '../kernels/conv.js';

/** The window geometry convolution and pooling share. */
type Window = Pick<Pool2dParams, 'h' | 'w' | 'kh' | 'kw' | 'sh' | 'sw' | 'ph' | 'pw'>;

/** Input coordinate of output `o` at tap `k`, or −1 when it falls in the padding. */
function tap(o: number, k: number, stride: number, pad: number, size: number): number {
  const i = o * stride + k - pad;
  return i >= 0 && i < size ? i : -1;
}

/** Calls `visit(i, k)` for every in-bounds tap of window (oy, ox), row by row: `i` indexes the `h·w` input plane, `k` = ky·kw + kx. */
function forWindow(p: Window, oy: number, ox: number, visit: (i: number, k: number) => void): void {
  for (let ky = 0; ky < p.kh; ky++) {
    const iy = tap(oy, ky, p.sh, p.ph, p.h);
    if (iy < 0) continue;
    for (let kx = 0; kx < p.kw; kx++) {
      const ix = tap(ox, kx, p.sw, p.pw, p.w);
      if (ix >= 0) visit(iy * p.w + ix, ky * p.kw + kx);
    }
  }
}

/** Calls `visit(xi, wi)` with the x and weight indices of every in-bounds tap of output (n, co, oy, ox), over cIn, then kh, then kw. */
function forConvTaps(p: Conv2dParams, n: number, co: number, oy: number, ox: number, visit: (xi: number, wi: number) => void): void {
  const plane = p.h * p.w;
  const taps = p.kh * p.kw;
  for (let ci = 0; ci < p.cIn; ci++) {
    const xo = (n * p.cIn + ci) * plane;
    const wo = (co * p.cIn + ci) * taps;
    forWindow(p, oy, ox, (i, k) => visit(xo + i, wo + k));
  }
}

function conv2dForward(p: Conv2dParams, x: Float32Array, weight: Float32Array, bias: Float32Array | null, y: Float32Array): void {
  const s = checkConv2dForward(p, x, weight, bias, y);
  for (let n = 0; n < p.n; n++) {
    for (let co = 0; co < p.cOut; co++) {
      for (let oy = 0; oy < s.oh; oy++) {
        for (let ox = 0; ox < s.ow; ox++) {
          let acc = bias ? bias[co] : 0;
          forConvTaps(p, n, co, oy, ox, (xi, wi) => {
            acc += x[xi] * weight[wi];
          });
          y[((n * p.cOut + co) * s.oh + oy) * s.ow + ox] = acc;
        }
      }
    }
  }
}

function conv2dBackward(
  p: Conv2dParams,
  x: Float32Array,
  weight: Float32Array,
  dy: Float32Array,
  dx: Float32Array | null,
  dweight: Float32Array,
  dbias: Float32Array | null,
): void {
  const s = checkConv2dBackward(p, x, weight, dy, dx, dweight, dbias);
  const gx = new Float64Array(s.x);
  const gw = new Float64Array(s.weight);
  const gb = new Float64Array(p.cOut);
  for (let n = 0; n < p.n; n++) {
    for (let co = 0; co < p.cOut; co++) {
      for (let oy = 0; oy < s.oh; oy++) {
        for (let ox = 0; ox < s.ow; ox++) {
          const d = dy[((n * p.cOut + co) * s.oh + oy) * s.ow + ox];
          gb[co] += d;
          forConvTaps(p, n, co, oy, ox, (xi, wi) => {
            gx[xi] += weight[wi] * d;
            gw[wi] += x[xi] * d;
          });
        }
      }
    }
  }
  if (dx) dx.set(gx);
  dweight.set(gw);
  if (dbias) dbias.set(gb);
}

function maxPool2dForward(p: Pool2dParams, x: Float32Array, y: Float32Array, argmax: Uint32Array): void {
  const s = pool2dShape(p);
  expectLength('x', x, s.x);
  expectLength('y', y, s.y);
  expectLength('argmax', argmax, s.y);
  const plane = p.h * p.w;
  for (let pi = 0; pi < p.n * p.c; pi++) {
    for (let oy = 0; oy < s.oh; oy++) {
      for (let ox = 0; ox < s.ow; ox++) {
        let best = -Infinity;
        let at = -1;
        forWindow(p, oy, ox, (i) => {
          const v = x[pi * plane + i];
          // The first maximum wins; a NaN beats any number, the first NaN wins.
          if (at < 0 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
            best = v;
            at = i;
          }
        });
        const o = (pi * s.oh + oy) * s.ow + ox;
        y[o] = best;
        argmax[o] = at;
      }
    }
  }
}

function maxPool2dBackward(p: Pool2dParams, dy: Float32Array, argmax: Uint32Array, dx: Float32Array): void {
  const s = pool2dShape(p);
  expectLength('dy', dy, s.y);
  expectLength('argmax', argmax, s.y);
  expectLength('dx', dx, s.x);
  const plane = p.h * p.w;
  const oplane = s.oh * s.ow;
  const g = new Float64Array(s.x);
  for (let o = 0; o < s.y; o++) {
    if (argmax[o] >= plane) throw new ModeconnError('BAD_ARGUMENT', `argmax[${o}] = ${argmax[o]} is outside its ${p.h}x${p.w} plane`);
    g[Math.floor(o / oplane) * plane + argmax[o]] += dy[o];
  }
  dx.set(g);
}

function avgPool2dForward(p: Pool2dParams, x: Float32Array, y: Float32Array): void {
  const s = pool2dShape(p);
  expectLength('x', x, s.x);
  expectLength('y', y, s.y);
  const plane = p.h * p.w;
  for (let pi = 0; pi < p.n * p.c; pi++) {
    for (let oy = 0; oy < s.oh; oy++) {
      for (let ox = 0; ox < s.ow; ox++) {
        let sum = 0;
        forWindow(p, oy, ox, (i) => {
          sum += x[pi * plane + i];
        });
        y[(pi * s.oh + oy) * s.ow + ox] = sum / (p.kh * p.kw);
      }
    }
  }
}

function avgPool2dBackward(p: Pool2dParams, dy: Float32Array, dx: Float32Array): void {
  const s = pool2dShape(p);
  expectLength('dy', dy, s.y);
  expectLength('dx', dx, s.x);
  const plane = p.h * p.w;
  const g = new Float64Array(s.x);
  for (let pi = 0; pi < p.n * p.c; pi++) {
    for (let oy = 0; oy < s.oh; oy++) {
      for (let ox = 0; ox < s.ow; ox++) {
        const d = dy[(pi * s.oh + oy) * s.ow + ox] / (p.kh * p.kw);
        forWindow(p, oy, ox, (i) => {
          g[pi * plane + i] += d;
        });
      }
    }
  }
  dx.set(g);
}

/** The conv and pooling twin. */
export const convReference: ConvKernels = {
  conv2dForward,
  conv2dBackward,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
};
