// runBenchmark on tiny sizes: every column is either a positive figure or a reason, the twin and a
// 1-worker pool give rows, the relaxed column matches the engine's support, and the tables print.
// The CLI runs it end to end (dist/, the twin through 'modeconn/reference') with --json.
import { afterAll, describe, expect, it } from 'vitest';
import * as lib from 'modeconn';
import { referenceKernels, ReferencePlan } from 'modeconn/reference';
import { main } from '../../ts/cli/main.js';

const twin = { gemm: referenceKernels.gemm, plan: (words: Uint32Array, capacity: number) => new ReferencePlan(words, capacity) };
const tiny = { gemmReps: 1, trainSamples: 256, evalSamples: 200, trainReps: 1, twinSteps: 1 };
const shapes = [{ name: 'small', m: 33, k: 70, n: 41, transA: false, transB: true }];

describe('runBenchmark', async () => {
  const pool = await lib.createPool({ workers: 1 });
  afterAll(() => pool.close());

  it('measures GEMM and training on tiny sizes, with a reason for each missing column', async () => {
    const seen: number[] = [];
    const report = await lib.runBenchmark({ sizes: tiny, shapes, twin, runners: [{ label: 'pool of 1', runner: pool, shards: 2 }], onProgress: (p) => seen.push(p.fraction) });
    const relaxed = lib.relaxedSimdSupported();
    const [row] = report.gemm!.rows;
    expect(row.simd128).toBeGreaterThan(0);
    expect('value' in row.relaxed).toBe(relaxed);
    expect('value' in row.twin && row.twin.value > 0).toBe(true);
    expect(row.native).toEqual({ reason: 'no native build here' });
    expect(report.gemm!.peaks.simd128).toBeGreaterThan(0);
    const labels = report.train!.rows.map((r) => r.label);
    expect(labels).toEqual([
      'WASM simd128, this thread', ...(relaxed ? ['WASM relaxed SIMD, this thread'] : []), 'pool of 1', 'TS twin (ReferencePlan)', 'native Rust (the same crate)',
    ]);
    for (const r of report.train!.rows.slice(0, -1)) expect('value' in r.train && r.train.value > 0 && 'value' in r.eval && r.eval.value > 0).toBe(true);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((f) => f >= 0 && f <= 1)).toBe(true);
    const text = lib.formatBenchReport(report);
    expect(text).toContain('GEMM, GFLOP/s');
    expect(text).toContain('small (33, 70, 41)');
    expect(text).toContain('native: no native build here');
    // The thread's choice is restored.
    expect(lib.kernelInfo().exact).toBe(false);
  });

  it('refuses an unknown scale', async () => {
    await expect(lib.runBenchmark({ scale: 'huge' as 'quick' })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('modeconn bench', () => {
  it('--only gemm --json writes a report with its run manifest', async () => {
    const writes: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await main(['bench', '--only', 'gemm', '--json', '--no-native', '--no-respawn', '--exact']);
    } finally {
      process.stdout.write = write;
      lib.setExactKernels(false);
    }
    expect(code).toBe(0);
    const file = JSON.parse(writes.join(''));
    expect(file.command).toEqual(['modeconn', 'bench', '--only', 'gemm', '--json', '--no-native', '--no-respawn']);
    expect(file.kernel).toBe('simd128');
    expect(file.results.kernels.exact).toBe(true);
    expect(file.results.gemm.rows).toHaveLength(lib.GEMM_SHAPES.length);
    expect(file.results.train).toBeUndefined();
  }, 120_000);
});
