/**
 * `modeconn bench`: the kernel and training comparisons on this machine (ts/bench): GEMM with the
 * simd128 and relaxed-SIMD micro-kernels, the TS twin, native Rust where a checkout can build it,
 * and one training epoch inline and on a worker pool. On Node 20/21, whose relaxed SIMD is behind a
 * V8 flag, it runs itself again with --experimental-wasm-relaxed-simd so both kernels are measured.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { formatBenchReport, runBenchmark, type BenchReport } from '../bench/run.js';
import type { BenchNative, BenchTwin } from '../bench/types.js';
import { relaxedSimdSupported } from '../wasm/relaxed.js';
import { createPool, type Pool } from '../workers/pool.js';
import { parseArgs, type CommandSpec } from './args.js';
import { defaultCrateDir, nativeHooks } from './bench-native.js';
import { ensureDir, runInfo, writeJsonAtomic, type RunInfo } from './manifest.js';
import { ProgressBar } from './progress.js';

export const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

export const spec = {
  name: 'bench',
  summary: 'Benchmark this machine: GEMM kernels (simd128, relaxed SIMD, TS twin, native) and one training epoch.',
  usage: 'modeconn bench [--scale quick|full] [--only gemm|train] [--workers n] [--out <dir> | --json] [options]',
  description:
    'Single-thread GEMM GFLOP/s on named shapes against the register-only ceilings, then one epoch of\n' +
    'MLP 784-512-512-10 (batch 128) on random data of MNIST\'s shape and an evaluation pass: simd128 and\n' +
    'relaxed SIMD on this thread, a pool of --workers threads (data-parallel shards), the TS twin\n' +
    '(extrapolated) and the crate natively when a checkout with cargo is found. Ratios within one run\n' +
    'are what to compare: the machine\'s other work shows in the absolute numbers. docs/BENCH.md.',
  flags: {
    scale: { kind: 'string', default: 'quick', choices: ['quick', 'full'], value: 'quick|full', help: 'quick: seconds to a minute; full: 60,000 samples, more repetitions' },
    only: { kind: 'string', choices: ['gemm', 'train'], value: 'gemm|train', help: 'run one comparison' },
    workers: { kind: 'int', default: 2, min: 0, value: 'n', help: 'also train on a pool of n workers (0: none)' },
    shards: { kind: 'int', default: 0, min: 0, value: 's', help: 'shards per batch on the pool (default: the number of workers)' },
    crate: { kind: 'string', value: 'dir', help: 'the crate/ of a checkout for the native columns (default: next to this CLI)' },
    native: { kind: 'boolean', default: true, help: 'build and time the crate natively when a crate and cargo are found (--no-native skips)' },
    respawn: { kind: 'boolean', default: true, help: 'on Node < 22, re-run with --experimental-wasm-relaxed-simd (--no-respawn: relaxed SIMD shows as unavailable)' },
    out: { kind: 'string', value: 'dir', help: 'write <dir>/bench.json' },
    json: { kind: 'boolean', help: 'print the JSON report on stdout instead of tables' },
    quiet: { kind: 'boolean', short: 'q', help: 'no progress output on stderr' },
  },
  examples: [
    'modeconn bench',
    'modeconn bench --scale full --out runs/bench',
    'modeconn bench --only gemm --json',
  ],
} as const satisfies CommandSpec;

/** The JSON written to bench.json. */
export interface BenchFile extends RunInfo {
  results: BenchReport;
}

/** The major version of the running Node. */
const nodeMajor = () => Number(process.versions.node.split('.')[0]);

/** Re-runs this CLI with relaxed SIMD on when Node needs the flag for it; null when it does not apply. */
function respawnWithRelaxed(argv: string[]): number | null {
  if (relaxedSimdSupported() || nodeMajor() >= 22 || process.execArgv.includes(RELAXED_FLAG)) return null;
  const script = process.argv[1] ? realpathSync(process.argv[1]) : '';
  if (!/[\\/]dist[\\/]cli\.js$/.test(script)) return null;
  const r = spawnSync(process.execPath, [RELAXED_FLAG, ...process.execArgv, script, 'bench', ...argv], { stdio: 'inherit' });
  return r.status ?? 1;
}

/** The TS twin from the package's own 'modeconn/reference' entry (library code never imports the oracle). */
async function loadTwin(): Promise<BenchTwin | undefined> {
  try {
    const specifier = 'modeconn/reference';
    const ref = (await import(specifier)) as { referenceKernels: BenchTwin; ReferencePlan: new (words: Uint32Array, capacity: number) => ReturnType<BenchTwin['plan']> };
    return { gemm: (...args) => ref.referenceKernels.gemm(...args), plan: (words, capacity) => new ref.ReferencePlan(words, capacity) };
  } catch {
    return undefined;
  }
}

export async function run(argv: string[]): Promise<number> {
  const flags = parseArgs(spec, argv);
  if (flags.respawn) {
    const code = respawnWithRelaxed(argv);
    if (code !== null) return code;
  }
  const progress = new ProgressBar({ label: 'bench', quiet: flags.quiet || flags.json });
  let native: BenchNative | undefined;
  if (flags.native) {
    progress.note('building the crate natively (cargo, -C target-cpu=native)');
    const hooks = nativeHooks(flags.crate ?? defaultCrateDir());
    if ('reason' in hooks) progress.note(`native columns skipped: ${hooks.reason}`);
    else native = hooks;
  }
  const sections = flags.only ? [flags.only as 'gemm' | 'train'] : (['gemm', 'train'] as const);
  let pool: Pool | undefined;
  if (sections.includes('train') && flags.workers > 0) pool = await createPool({ workers: flags.workers });
  try {
    const shards = flags.shards || flags.workers;
    const report = await runBenchmark({
      scale: flags.scale as 'quick' | 'full',
      sections,
      twin: await loadTwin(),
      native,
      runners: pool ? [{ label: `WASM ${pool.kernel}, pool of ${pool.size} workers (${shards} shards)`, runner: pool, shards }] : [],
      onProgress: (p) => progress.update({ fraction: p.fraction, detail: p.detail }),
    });
    progress.done();
    const file: BenchFile = { ...runInfo(['bench', ...argv], 'bench'), results: report };
    if (flags.out !== undefined) {
      ensureDir(flags.out);
      writeJsonAtomic(join(flags.out, 'bench.json'), file);
    }
    if (flags.json) process.stdout.write(`${JSON.stringify(file, null, 2)}\n`);
    else process.stdout.write(formatBenchReport(report));
    return 0;
  } finally {
    await pool?.close();
  }
}
