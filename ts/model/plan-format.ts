/**
 * The plan's word format (docs/PLAN-FORMAT.md): an 8-word header, a buffer table of per-sample
 * float counts, then op records `[opcode, n_fields, fields...]`. f32 fields are bit patterns and
 * absent offsets are `NONE`. `encodePlan` / `decodePlan` convert between words and named ops;
 * `decodePlan` validates everything an executor relies on, with typed errors.
 */
import { ModeconnError } from '../errors.js';

export const PLAN_MAGIC = 0x4c50434d;
export const PLAN_VERSION = 1;
export const NONE = 0xffffffff;
export const HEADER_WORDS = 8;

/** Forward-pass modes (BatchNorm statistics, dropout, running-statistics update). */
export const PlanMode = { EVAL: 0, BATCH_STATS: 1, TRAIN: 2, BN_EXACT: 3 } as const;
export type PlanMode = (typeof PlanMode)[keyof typeof PlanMode];

/** Opcodes and, in word order, the fields of each op. */
export const OPS = {
  dense: { code: 1, fields: ['src', 'dst', 'in', 'out', 'w', 'b', 'act'] },
  conv2d: { code: 2, fields: ['src', 'dst', 'cIn', 'h', 'w', 'cOut', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'wt', 'b', 'act'] },
  batchnorm: { code: 3, fields: ['src', 'dst', 'c', 's', 'gamma', 'beta', 'mean', 'var', 'eps', 'momentum', 'act'] },
  relu: { code: 4, fields: ['src', 'dst'] },
  maxpool: { code: 5, fields: ['src', 'dst', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw'] },
  avgpool: { code: 6, fields: ['src', 'dst', 'c', 'h', 'w', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw'] },
  dropout: { code: 7, fields: ['src', 'dst', 'p'] },
  add: { code: 8, fields: ['src', 'dst', 'src2', 'act'] },
} as const;

export type OpName = keyof typeof OPS;
/** Fields stored as f32 bit patterns. */
const F32_FIELDS = new Set(['eps', 'momentum', 'p']);
/** θ offsets that may be NONE (decoded as null). */
const NULLABLE_FIELDS = new Set(['b', 'gamma', 'beta']);

type Act = 0 | 1;
type Off = number | null;
export interface DenseOp { op: 'dense'; src: number; dst: number; in: number; out: number; w: number; b: Off; act: Act }
export interface Conv2dOp {
  op: 'conv2d'; src: number; dst: number; cIn: number; h: number; w: number; cOut: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number; wt: number; b: Off; act: Act;
}
export interface BatchNormOp {
  op: 'batchnorm'; src: number; dst: number; c: number; s: number; gamma: Off; beta: Off;
  mean: number; var: number; eps: number; momentum: number; act: Act;
}
export interface ReluOp { op: 'relu'; src: number; dst: number }
export interface PoolOp {
  op: 'maxpool' | 'avgpool'; src: number; dst: number; c: number; h: number; w: number;
  kh: number; kw: number; sh: number; sw: number; ph: number; pw: number;
}
export interface DropoutOp { op: 'dropout'; src: number; dst: number; p: number }
export interface AddOp { op: 'add'; src: number; dst: number; src2: number; act: Act }
/** One decoded op; θ offsets are absolute, buffers are indices into the buffer table. */
export type PlanOp = DenseOp | Conv2dOp | BatchNormOp | ReluOp | PoolOp | DropoutOp | AddOp;

/** A decoded plan. */
export interface Plan {
  /** Trainable parameters `[0, P)`. */
  P: number;
  /** Length of θ: trainable parameters then buffers (running statistics). */
  total: number;
  classes: number;
  /** Buffer holding the logits. */
  outBuf: number;
  /** Per-sample float count of each buffer; buffer 0 is the input. */
  bufferSizes: number[];
  ops: PlanOp[];
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The bit pattern of `x` rounded to f32. */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}
/** The f32 value of a bit pattern. */
export function bitsF32(bits: number): number {
  u32[0] = bits;
  return f32[0];
}

/** Words of a plan. */
export function encodePlan(plan: Plan): Uint32Array {
  const words: number[] = [PLAN_MAGIC, PLAN_VERSION, plan.bufferSizes.length, plan.ops.length, plan.P, plan.total, plan.classes, plan.outBuf];
  words.push(...plan.bufferSizes);
  for (const op of plan.ops) {
    const spec = OPS[op.op];
    words.push(spec.code, spec.fields.length);
    const record = op as unknown as Record<string, number | null>;
    for (const field of spec.fields) {
      const v = record[field];
      words.push(v === null ? NONE : F32_FIELDS.has(field) ? f32Bits(v) : v);
    }
  }
  return Uint32Array.from(words);
}

const OP_BY_CODE = new Map(Object.entries(OPS).map(([name, spec]) => [spec.code as number, name as OpName]));

function badShape(message: string): never {
  throw new ModeconnError('BAD_SHAPE', `plan: ${message}`);
}
function badArg(message: string): never {
  throw new ModeconnError('BAD_ARGUMENT', `plan: ${message}`);
}

/** Decodes and validates plan words (BAD_ARGUMENT for foreign or unsupported data, BAD_SHAPE for inconsistent sizes). */
export function decodePlan(words: Uint32Array): Plan {
  if (!(words instanceof Uint32Array)) badArg('words must be a Uint32Array');
  if (words.length < HEADER_WORDS) badShape(`${words.length} words is shorter than the ${HEADER_WORDS}-word header`);
  if (words[0] !== PLAN_MAGIC) badArg(`bad magic 0x${words[0].toString(16)}, expected 0x${PLAN_MAGIC.toString(16)} (not a modeconn plan)`);
  if (words[1] !== PLAN_VERSION) badArg(`unsupported version ${words[1]}, this library reads version ${PLAN_VERSION}`);
  const [nBuffers, nOps, P, total, classes, outBuf] = Array.from(words.subarray(2, HEADER_WORDS));
  if (nBuffers < 1) badShape('n_buffers must be at least 1 (buffer 0 is the input)');
  if (words.length < HEADER_WORDS + nBuffers) badShape(`buffer table of ${nBuffers} words runs past the end (${words.length} words)`);
  const bufferSizes = Array.from(words.subarray(HEADER_WORDS, HEADER_WORDS + nBuffers));
  let at = HEADER_WORDS + nBuffers;
  const ops: PlanOp[] = [];
  for (let i = 0; i < nOps; i++) {
    if (at + 2 > words.length) badShape(`op ${i} header runs past the end (${words.length} words)`);
    const name = OP_BY_CODE.get(words[at]);
    if (name === undefined) badArg(`op ${i} has unknown opcode ${words[at]}`);
    const fields = OPS[name].fields;
    if (words[at + 1] !== fields.length) badShape(`op ${i} (${name}) has ${words[at + 1]} fields, expected ${fields.length}`);
    if (at + 2 + fields.length > words.length) badShape(`op ${i} (${name}) runs past the end (${words.length} words)`);
    const op: Record<string, unknown> = { op: name };
    fields.forEach((field, k) => {
      const v = words[at + 2 + k];
      op[field] = NULLABLE_FIELDS.has(field) && v === NONE ? null : F32_FIELDS.has(field) ? bitsF32(v) : v;
    });
    ops.push(op as unknown as PlanOp);
    at += 2 + fields.length;
  }
  if (at !== words.length) badShape(`${words.length - at} trailing words after the last op`);
  const plan: Plan = { P, total, classes, outBuf, bufferSizes, ops };
  validatePlan(plan);
  return plan;
}

/** Output size of a window along one axis (floor mode), or a BAD_SHAPE error. */
export function windowOut(where: string, size: number, k: number, stride: number, pad: number): number {
  if (k < 1 || stride < 1) badArg(`${where}: kernel and stride must be at least 1`);
  if (size + 2 * pad < k) badShape(`${where}: kernel ${k} is larger than the padded input ${size} + 2·${pad}`);
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

function validatePlan(plan: Plan): void {
  const { P, total, classes, outBuf, bufferSizes } = plan;
  const nb = bufferSizes.length;
  if (P > total) badShape(`P = ${P} exceeds total = ${total}`);
  if (classes < 1) badShape('classes must be at least 1');
  if (outBuf >= nb) badShape(`out_buf ${outBuf} is not a buffer (n_buffers = ${nb})`);
  if (bufferSizes[outBuf] !== classes) badShape(`out_buf holds ${bufferSizes[outBuf]} floats per sample, expected classes = ${classes}`);
  bufferSizes.forEach((s, b) => { if (s < 1) badShape(`buffer ${b} has size 0`); });
  const written = new Array<boolean>(nb).fill(false);
  written[0] = true;
  plan.ops.forEach((op, i) => {
    const where = `op ${i} (${op.op})`;
    const size = (field: string, b: number): number => {
      if (b >= nb) badShape(`${where}: ${field} = ${b} is not a buffer (n_buffers = ${nb})`);
      return bufferSizes[b];
    };
    const read = (field: string, b: number): number => {
      const s = size(field, b);
      if (!written[b]) badShape(`${where}: reads buffer ${b} before any op writes it (ops must be in topological order)`);
      return s;
    };
    const expect = (what: string, actual: number, expected: number) => {
      if (actual !== expected) badShape(`${where}: ${what} is ${actual}, expected ${expected}`);
    };
    const inTheta = (field: string, off: number | null, len: number, lo: number, hi: number) => {
      if (off !== null && (off < lo || off + len > hi)) badShape(`${where}: ${field} = [${off}, ${off + len}) is outside θ[${lo}, ${hi})`);
    };
    const act = (a: number) => { if (a !== 0 && a !== 1) badArg(`${where}: act must be 0 or 1, got ${a}`); };
    if (op.dst === 0 || op.dst >= nb || written[op.dst]) badShape(`${where}: dst = ${op.dst} must be a fresh buffer other than the input`);
    const src = read('src', op.src);
    const dst = size('dst', op.dst);
    switch (op.op) {
      case 'dense':
        expect('src size', src, op.in);
        expect('dst size', dst, op.out);
        inTheta('w', op.w, op.in * op.out, 0, P);
        inTheta('b', op.b, op.out, 0, P);
        act(op.act);
        break;
      case 'conv2d': {
        expect('src size', src, op.cIn * op.h * op.w);
        const oh = windowOut(where, op.h, op.kh, op.sh, op.ph);
        const ow = windowOut(where, op.w, op.kw, op.sw, op.pw);
        expect('dst size', dst, op.cOut * oh * ow);
        inTheta('wt', op.wt, op.cOut * op.cIn * op.kh * op.kw, 0, P);
        inTheta('b', op.b, op.cOut, 0, P);
        act(op.act);
        break;
      }
      case 'batchnorm':
        expect('src size', src, op.c * op.s);
        expect('dst size', dst, op.c * op.s);
        if ((op.gamma === null) !== (op.beta === null)) badShape(`${where}: gamma and beta must both be present or both NONE`);
        inTheta('gamma', op.gamma, op.c, 0, P);
        inTheta('beta', op.beta, op.c, 0, P);
        inTheta('mean', op.mean, op.c, P, total);
        inTheta('var', op.var, op.c, P, total);
        if (!(Number.isFinite(op.eps) && op.eps >= 0)) badArg(`${where}: eps must be finite and ≥ 0, got ${op.eps}`);
        if (!(op.momentum >= 0 && op.momentum <= 1)) badArg(`${where}: momentum must be in [0, 1], got ${op.momentum}`);
        act(op.act);
        break;
      case 'relu':
        expect('dst size', dst, src);
        break;
      case 'maxpool':
      case 'avgpool': {
        expect('src size', src, op.c * op.h * op.w);
        if (2 * op.ph > op.kh || 2 * op.pw > op.kw) badShape(`${where}: padding must be at most half the window`);
        const oh = windowOut(where, op.h, op.kh, op.sh, op.ph);
        const ow = windowOut(where, op.w, op.kw, op.sw, op.pw);
        expect('dst size', dst, op.c * oh * ow);
        break;
      }
      case 'dropout':
        expect('dst size', dst, src);
        if (!(op.p >= 0 && op.p < 1)) badArg(`${where}: p must be in [0, 1), got ${op.p}`);
        break;
      case 'add':
        expect('src2 size', read('src2', op.src2), src);
        expect('dst size', dst, src);
        act(op.act);
        break;
    }
    written[op.dst] = true;
  });
  if (!written[outBuf]) badShape(`out_buf ${outBuf} is never written`);
}
