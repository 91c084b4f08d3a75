/**
 * Native columns of `modeconn bench`: the crate's timing examples (crate/examples/bench_gemm.rs,
 * bench_train.rs), built once with `cargo build --release` and `-C target-cpu=native`, where a
 * checkout of the repository and cargo exist. An installed package has no crate/: the columns then
 * say so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchNative } from '../bench/types.js';

const LAYOUTS: Record<string, string> = { ff: 'ab', tf: 'atb', ft: 'abt', tt: 'atbt' };

/** The crate of the checkout this CLI runs from (ts/cli/ or dist/chunks/ are both two levels below the root), if any. */
export function defaultCrateDir(): string {
  return fileURLToPath(new URL('../../crate/', import.meta.url));
}

/** Builds the examples in `crateDir`; the hooks, or the reason there are none. */
export function nativeHooks(crateDir: string): BenchNative | { reason: string } {
  if (!existsSync(join(crateDir, 'Cargo.toml'))) return { reason: `no crate at ${crateDir} (the installed package ships none; run from a checkout or pass --crate)` };
  const targetDir = join(crateDir, 'target', 'bench-native');
  const env = { ...process.env, RUSTFLAGS: '-C target-cpu=native' };
  const build = spawnSync('cargo', ['build', '--quiet', '--release', '--example', 'bench_gemm', '--example', 'bench_train', '--target-dir', targetDir], { cwd: crateDir, env, encoding: 'utf8' });
  if (build.error || build.status !== 0) return { reason: `cargo build failed: ${(build.error?.message ?? build.stderr ?? '').trim().split('\n')[0]}` };
  const exe = (name: string) => join(targetDir, 'release', 'examples', name);
  const runJson = (name: string, args: string[]): Record<string, unknown> | string => {
    const r = spawnSync(exe(name), args, { encoding: 'utf8' });
    if (r.error || r.status !== 0) return `${name} failed: ${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()}`;
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  };
  return {
    async gemm(s) {
      const out = runJson('bench_gemm', [LAYOUTS[`${s.transA ? 't' : 'f'}${s.transB ? 't' : 'f'}`], String(s.m), String(s.k), String(s.n), '7']);
      return typeof out === 'string' ? { reason: out } : { value: Number(out.gflops) };
    },
    async train(words, job) {
      const out = runJson('bench_train', [Array.from(words).join(','), String(job.batchSize), String(job.evalBatch), String(job.trainSamples), String(job.evalSamples), '1']);
      return typeof out === 'string' ? { reason: out } : { value: { train: Number(out.train_s), eval: Number(out.eval_s) } };
    },
  };
}
