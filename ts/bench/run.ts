/**
 * `runBenchmark`: the kernel and training comparisons on this machine or browser — GEMM GFLOP/s
 * with the simd128 and relaxed-SIMD micro-kernels against their register-only ceilings, the TS twin
 * and native Rust; one training epoch and one evaluation pass of the MLP 784-512-512-10 — as a report
 * of plain data, and `formatBenchReport` for the tables `modeconn bench` prints.
 */
import { ModeconnError } from '../errors.js';
import { kernelInfo, type KernelInfo } from '../wasm/kernel-choice.js';
import { benchGemm, type GemmRow, type Peaks } from './gemm.js';
import type { Measured } from './measure.js';
import { BENCH_SCALES, GEMM_SHAPES, TRAIN_JOB, type BenchScale, type GemmShape } from './shapes.js';
import { benchTrain, type TrainRow } from './train.js';
import type { BenchHooks } from './types.js';

export interface BenchOptions extends BenchHooks {
  /** Which comparisons (default both). */
  sections?: ReadonlyArray<'gemm' | 'train'>;
  /** 'quick' (default: seconds) or 'full' (the record: 60,000 samples, more repetitions). */
  scale?: 'quick' | 'full';
  /** Overrides of the scale's sizes (e.g. a smaller epoch for a page). */
  sizes?: Partial<BenchScale>;
  /** GEMM shapes (default GEMM_SHAPES). */
  shapes?: readonly GemmShape[];
}

export interface BenchReport {
  kernels: KernelInfo;
  scale: 'quick' | 'full';
  sizes: BenchScale;
  gemm?: { rows: GemmRow[]; peaks: Peaks };
  train?: { job: typeof TRAIN_JOB; rows: TrainRow[] };
  seconds: number;
}

/** Runs the chosen comparisons; every missing implementation is a row cell with its reason. */
export async function runBenchmark(options: BenchOptions = {}): Promise<BenchReport> {
  const scale = options.scale ?? 'quick';
  if (!(scale in BENCH_SCALES)) throw new ModeconnError('BAD_ARGUMENT', `scale must be 'quick' or 'full', got ${String(scale)}`);
  const sections = options.sections ?? ['gemm', 'train'];
  const sizes = { ...BENCH_SCALES[scale], ...options.sizes };
  const started = performance.now();
  const report: BenchReport = { kernels: kernelInfo(), scale, sizes, seconds: 0 };
  const part = (offset: number, share: number): BenchHooks => ({
    ...options,
    onProgress: (p) => options.onProgress?.({ fraction: offset + share * p.fraction, detail: p.detail }),
  });
  const both = sections.includes('gemm') && sections.includes('train');
  if (sections.includes('gemm')) report.gemm = await benchGemm(options.shapes ?? GEMM_SHAPES, sizes.gemmReps, part(0, both ? 0.3 : 1));
  if (sections.includes('train')) report.train = { job: TRAIN_JOB, rows: await benchTrain(sizes, part(both ? 0.3 : 0, both ? 0.7 : 1)) };
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

const cell = (m: Measured<number>, digits = 3) => ('value' in m ? m.value.toPrecision(digits) : '—');
const ratio = (a: Measured<number>, b: number) => ('value' in a ? `${(a.value / b).toFixed(2)}×` : '—');

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The report as plain-text tables, with the reasons for missing columns underneath. */
export function formatBenchReport(report: BenchReport): string {
  const out: string[] = [];
  const k = report.kernels;
  out.push(`kernels: relaxed SIMD ${k.relaxedSimd ? 'available' : 'not available'}; default ${k.kernel}${k.exact ? ' (exact)' : ''}; scale ${report.scale}`);
  const reasons = new Set<string>();
  const note = (m: Measured<unknown>, what: string) => {
    if ('reason' in m) reasons.add(`${what}: ${m.reason}`);
  };
  if (report.gemm) {
    const { rows, peaks } = report.gemm;
    out.push('', `GEMM, GFLOP/s (single thread; ceilings: simd128 mul+add ${peaks.simd128.toPrecision(3)}, FMA ${cell(peaks.fma)})`);
    out.push(table(['shape (m, k, n)', 'simd128', 'relaxed', 'relaxed/simd128', 'TS twin', 'native', 'simd128/peak', 'relaxed/FMA peak'], rows.map((r) => {
      note(r.relaxed, 'relaxed');
      note(r.twin, 'TS twin');
      note(r.native, 'native');
      return [`${r.shape.name} (${r.shape.m}, ${r.shape.k}, ${r.shape.n})`, r.simd128.toPrecision(3), cell(r.relaxed), ratio(r.relaxed, r.simd128), cell(r.twin), cell(r.native),
        `${((100 * r.simd128) / peaks.simd128).toFixed(0)}%`, 'value' in r.relaxed && 'value' in peaks.fma ? `${((100 * r.relaxed.value) / peaks.fma.value).toFixed(0)}%` : '—'];
    })));
  }
  if (report.train) {
    const { rows, job } = report.train;
    const base = rows[0].train;
    out.push('', `Training: MLP ${job.input}-${job.hidden.join('-')}-${job.classes}, batch ${job.batchSize}, one epoch of ${report.sizes.trainSamples} samples; evaluation of ${report.sizes.evalSamples} (seconds)`);
    out.push(table(['configuration', 'epoch s', 'eval s', 'epoch speed vs simd128'], rows.map((r) => {
      note(r.train, r.label);
      return [r.label, cell(r.train), cell(r.eval), 'value' in r.train && 'value' in base ? `${(base.value / r.train.value).toFixed(2)}×` : '—'];
    })));
  }
  if (reasons.size) out.push('', ...[...reasons].map((r) => `— ${r}`));
  out.push('', `(${report.seconds.toFixed(1)} s; the machine's other work shows up in these numbers: compare ratios within one run)`);
  return `${out.join('\n')}\n`;
}
