/**
 * The pure-TS twin of the plan's Hessian-vector product (crate/src/plan/hvp.rs, crate/src/tangent.rs):
 * given a forward and backward pass of ReferencePlan (activations, buffer gradients, BatchNorm batch
 * statistics, argmax), a tangent forward pass R{a} for θ moving along v and a tangent backward pass
 * R{δ}, whose parameter part is H·v (Pearlmutter's R-operator). Modes EVAL and BATCH_STATS only.
 * Written for clarity: per-channel sums in f64, products through the reference GEMM and conv kernels.
 */
import type { Conv2dParams, Pool2dParams } from '../kernels/conv.js';
import { type BatchNormOp, type Plan, PlanMode } from '../model/plan-format.js';
import { convReference } from './conv.js';
import { gemmReference } from './gemm.js';

/** What the tangent passes read of the preceding forward and backward pass. */
export interface TangentContext {
  plan: Plan;
  params: Float32Array;
  /** The direction (θ's length; entries past P are ignored). */
  v: Float32Array;
  n: number;
  mode: PlanMode;
  /** Buffer b's activations, `[n, size]`. */
  act(b: number): Float32Array;
  /** Buffer b's gradient as the backward pass left it (before an op's fused ReLU mask). */
  grad(b: number): Float32Array;
  /** Op i's saved BatchNorm batch statistics and max-pooling argmax. */
  saved(i: number): { mean?: Float32Array; invstd?: Float32Array; argmax?: Uint32Array };
}

const { gemm } = gemmReference;
const { conv2dForward, conv2dBackward, avgPool2dForward, avgPool2dBackward, maxPool2dBackward } = convReference;

function masked(values: Float32Array, post: Float32Array): Float32Array {
  return values.map((v, i) => (post[i] > 0 ? v : 0));
}

/** Per channel of op's [n, c, s] layout: calls f(channel, index) for every element. */
function eachElement(op: BatchNormOp, n: number, f: (ch: number, j: number) => void): void {
  for (let i = 0; i < n; i++) for (let ch = 0; ch < op.c; ch++) for (let k = 0; k < op.s; k++) f(ch, (i * op.c + ch) * op.s + k);
}

/** H·v (θ's length, 0 past P) from the passes `ctx` describes. */
export function tangentHvp(ctx: TangentContext): Float32Array {
  const { plan, params, v, n, mode } = ctx;
  const sizes = plan.bufferSizes;
  const slice = (a: Float32Array, off: number, len: number) => a.subarray(off, off + len);
  const racts = sizes.map((s) => new Float32Array(n * s));
  const bnTangent = new Map<number, { rmean: Float64Array; rc: Float64Array }>();
  const gammaOf = (op: BatchNormOp, vec: Float32Array, fill: number) => (op.gamma === null ? new Float32Array(op.c).fill(fill) : slice(vec, op.gamma, op.c));
  const betaOf = (op: BatchNormOp, vec: Float32Array) => (op.beta === null ? new Float32Array(op.c) : slice(vec, op.beta, op.c));
  const convOf = (op: Extract<Plan['ops'][number], { op: 'conv2d' }>): Conv2dParams => ({ n, cIn: op.cIn, h: op.h, w: op.w, cOut: op.cOut, kh: op.kh, kw: op.kw, sh: op.sh, sw: op.sw, ph: op.ph, pw: op.pw });
  const poolOf = (op: Extract<Plan['ops'][number], { op: 'maxpool' | 'avgpool' }>): Pool2dParams => ({ n, c: op.c, h: op.h, w: op.w, kh: op.kh, kw: op.kw, sh: op.sh, sw: op.sw, ph: op.ph, pw: op.pw });

  // Tangent forward: R{a} of every buffer.
  plan.ops.forEach((op, i) => {
    const x = ctx.act(op.src);
    const rx = racts[op.src];
    const ry = racts[op.dst];
    switch (op.op) {
      case 'dense': {
        const wl = op.out * op.in;
        gemm({ m: n, k: op.in, n: op.out, transB: true, biasAxis: op.b === null ? undefined : 'col' }, x, slice(v, op.w, wl), op.b === null ? null : slice(v, op.b, op.out), ry);
        gemm({ m: n, k: op.in, n: op.out, transB: true, beta: 1 }, rx, slice(params, op.w, wl), null, ry);
        break;
      }
      case 'conv2d': {
        const wl = op.cOut * op.cIn * op.kh * op.kw;
        conv2dForward(convOf(op), x, slice(v, op.wt, wl), op.b === null ? null : slice(v, op.b, op.cOut), ry);
        const second = new Float32Array(ry.length);
        conv2dForward(convOf(op), rx, slice(params, op.wt, wl), null, second);
        for (let j = 0; j < ry.length; j++) ry[j] += second[j];
        break;
      }
      case 'batchnorm': {
        const [g, rg, rb] = [gammaOf(op, params, 1), gammaOf(op, v, 0), betaOf(op, v)];
        if (mode === PlanMode.EVAL) {
          const [rm, rv] = [slice(params, op.mean, op.c), slice(params, op.var, op.c)];
          eachElement(op, n, (ch, j) => {
            const inv = 1 / Math.sqrt(rv[ch] + op.eps);
            ry[j] = g[ch] * inv * rx[j] + rg[ch] * (x[j] - rm[ch]) * inv + rb[ch];
          });
        } else {
          const { mean, invstd } = ctx.saved(i);
          const m = n * op.s;
          const rmean = new Float64Array(op.c);
          const rc = new Float64Array(op.c);
          eachElement(op, n, (ch, j) => {
            rmean[ch] += rx[j] / m;
            rc[ch] += ((x[j] - mean![ch]) * invstd![ch] * rx[j]) / m;
          });
          bnTangent.set(i, { rmean, rc });
          eachElement(op, n, (ch, j) => {
            const xh = (x[j] - mean![ch]) * invstd![ch];
            const rxh = invstd![ch] * (rx[j] - rmean[ch] - xh * rc[ch]);
            ry[j] = rg[ch] * xh + g[ch] * rxh + rb[ch];
          });
        }
        break;
      }
      case 'relu':
        ry.set(masked(rx, ctx.act(op.dst)));
        break;
      case 'maxpool': {
        const argmax = ctx.saved(i).argmax!;
        const [plane, oplane] = [op.h * op.w, ry.length / (n * op.c)];
        for (let j = 0; j < ry.length; j++) ry[j] = rx[Math.floor(j / oplane) * plane + argmax[j]];
        break;
      }
      case 'avgpool':
        avgPool2dForward(poolOf(op), rx, ry);
        break;
      case 'dropout':
        ry.set(rx);
        break;
      case 'add': {
        const rx2 = racts[op.src2];
        for (let j = 0; j < ry.length; j++) ry[j] = rx[j] + rx2[j];
        break;
      }
    }
    if ('act' in op && op.act === 1) ry.set(masked(ry, ctx.act(op.dst)));
  });

  // R{dz} of the mean softmax cross-entropy: (p ⊙ Rz − p·⟨p, Rz⟩)/n per row.
  const rdeltas = sizes.map((s) => new Float32Array(n * s));
  const written = sizes.map(() => false);
  {
    const k = plan.classes;
    const [z, rz, out] = [ctx.act(plan.outBuf), racts[plan.outBuf], rdeltas[plan.outBuf]];
    for (let r = 0; r < n; r++) {
      const row = Array.from(z.subarray(r * k, (r + 1) * k));
      const top = Math.max(...row);
      const e = row.map((zz) => Math.exp(zz - top));
      const sum = e.reduce((a, b) => a + b, 0);
      const p = e.map((x) => x / sum);
      let dot = 0;
      for (let c = 0; c < k; c++) dot += p[c] * rz[r * k + c];
      for (let c = 0; c < k; c++) out[r * k + c] = (p[c] * (rz[r * k + c] - dot)) / n;
    }
    written[plan.outBuf] = true;
  }
  const deliver = (b: number, values: Float32Array) => {
    if (b === 0) return;
    if (written[b]) for (let j = 0; j < values.length; j++) rdeltas[b][j] += values[j];
    else rdeltas[b].set(values);
    written[b] = true;
  };

  // Tangent backward: R{δ} of every buffer and H·v.
  const hv = new Float32Array(plan.total);
  for (let i = plan.ops.length - 1; i >= 0; i--) {
    const op = plan.ops[i];
    if (!written[op.dst]) continue;
    let rdy: Float32Array = rdeltas[op.dst].slice();
    let dy: Float32Array = ctx.grad(op.dst).slice();
    if ('act' in op && op.act === 1) {
      rdy = masked(rdy, ctx.act(op.dst));
      dy = masked(dy, ctx.act(op.dst));
    }
    const x = ctx.act(op.src);
    const rx = racts[op.src];
    const rdx = new Float32Array(x.length);
    switch (op.op) {
      case 'dense': {
        const wl = op.out * op.in;
        const hw = slice(hv, op.w, wl);
        gemm({ m: op.out, k: n, n: op.in, transA: true }, rdy, x, null, hw);
        gemm({ m: op.out, k: n, n: op.in, transA: true, beta: 1 }, dy, rx, null, hw);
        if (op.b !== null) for (let o = 0; o < op.out; o++) for (let s = 0; s < n; s++) hv[op.b + o] += rdy[s * op.out + o];
        gemm({ m: n, k: op.out, n: op.in }, rdy, slice(params, op.w, wl), null, rdx);
        gemm({ m: n, k: op.out, n: op.in, beta: 1 }, dy, slice(v, op.w, wl), null, rdx);
        break;
      }
      case 'conv2d': {
        const wl = op.cOut * op.cIn * op.kh * op.kw;
        conv2dBackward(convOf(op), x, slice(params, op.wt, wl), rdy, rdx, slice(hv, op.wt, wl), op.b === null ? null : slice(hv, op.b, op.cOut));
        const [dx2, dw2] = [new Float32Array(x.length), new Float32Array(wl)];
        conv2dBackward(convOf(op), rx, slice(v, op.wt, wl), dy, dx2, dw2, null);
        for (let j = 0; j < rdx.length; j++) rdx[j] += dx2[j];
        for (let j = 0; j < wl; j++) hv[op.wt + j] += dw2[j];
        break;
      }
      case 'batchnorm': {
        const [g, rg] = [gammaOf(op, params, 1), gammaOf(op, v, 0)];
        const dgamma = new Float64Array(op.c);
        const dbeta = new Float64Array(op.c);
        if (mode === PlanMode.EVAL) {
          const [rm, rv] = [slice(params, op.mean, op.c), slice(params, op.var, op.c)];
          eachElement(op, n, (ch, j) => {
            const inv = 1 / Math.sqrt(rv[ch] + op.eps);
            rdx[j] = g[ch] * inv * rdy[j] + rg[ch] * inv * dy[j];
            dgamma[ch] += rdy[j] * (x[j] - rm[ch]) * inv + dy[j] * inv * rx[j];
            dbeta[ch] += rdy[j];
          });
        } else {
          const { mean, invstd } = ctx.saved(i);
          const { rmean, rc } = bnTangent.get(i)!;
          const m = n * op.s;
          const [s1, s2] = [new Float64Array(op.c), new Float64Array(op.c)];
          const xhat = (ch: number, j: number) => (x[j] - mean![ch]) * invstd![ch];
          const rxhat = (ch: number, j: number) => invstd![ch] * (rx[j] - rmean[ch] - xhat(ch, j) * rc[ch]);
          eachElement(op, n, (ch, j) => {
            s1[ch] += dy[j];
            s2[ch] += dy[j] * xhat(ch, j);
            dbeta[ch] += rdy[j];
            dgamma[ch] += rdy[j] * xhat(ch, j) + dy[j] * rxhat(ch, j);
          });
          eachElement(op, n, (ch, j) => {
            const inv = invstd![ch];
            const rinv = -inv * inv * rc[ch];
            const centred = dy[j] - s1[ch] / m - xhat(ch, j) * s2[ch] / m;
            const rcentred = rdy[j] - dbeta[ch] / m - rxhat(ch, j) * s2[ch] / m - xhat(ch, j) * dgamma[ch] / m;
            rdx[j] = (rg[ch] * inv + g[ch] * rinv) * centred + g[ch] * inv * rcentred;
          });
        }
        if (op.gamma !== null) for (let c = 0; c < op.c; c++) hv[op.gamma + c] = dgamma[c];
        if (op.beta !== null) for (let c = 0; c < op.c; c++) hv[op.beta + c] = dbeta[c];
        break;
      }
      case 'relu':
        rdx.set(masked(rdy, ctx.act(op.dst)));
        break;
      case 'maxpool':
        maxPool2dBackward(poolOf(op), rdy, ctx.saved(i).argmax!.subarray(0, rdy.length), rdx);
        break;
      case 'avgpool':
        avgPool2dBackward(poolOf(op), rdy, rdx);
        break;
      case 'dropout':
      case 'add':
        rdx.set(rdy);
        break;
    }
    deliver(op.src, rdx);
    if (op.op === 'add') deliver(op.src2, rdy);
  }
  return hv;
}
