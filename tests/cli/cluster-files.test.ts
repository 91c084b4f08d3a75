// The cluster recipes of docs/CLUSTER.md, checked without a cluster: the Kubernetes manifests are
// parsed (kind Job, completionMode Indexed, completions = parallelism = --shard-count, the command
// runs `modeconn … --shard auto`, the merge job reads the shards' --out) and the SLURM script's
// --array range gives N; then both are run here on a small grid — each pod's command with its
// JOB_COMPLETION_INDEX, each array task with SLURM's variables, the SLURM submission with a stand-in
// `sbatch` — and the merge each one queues gives the report.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CLI, readJson, runCli, tempRoot } from './run-cli.js';

const docs = fileURLToPath(new URL('../../docs/cluster/', import.meta.url));
const root = tempRoot('modeconn-cluster-');
const model = join(root, 'a', 'model.safetensors');
/** Clears the scheduler variables of any surrounding job. */
const CLEAN = { SLURM_ARRAY_TASK_ID: '', SLURM_ARRAY_TASK_COUNT: '', SLURM_ARRAY_TASK_MIN: '', JOB_COMPLETION_INDEX: '', MODECONN_SHARD_COUNT: '' };

interface Container { command: string[]; volumeMounts: Array<{ name: string; mountPath: string }> }
interface JobManifest {
  apiVersion: string;
  kind: string;
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { restartPolicy: string; containers: Container[]; volumes: Array<{ name: string; persistentVolumeClaim: { claimName: string } }> } };
  };
}

const flagValue = (command: string[], flag: string) => command[command.indexOf(flag) + 1];

beforeAll(async () => {
  const r = await runCli(['train', '--arch', 'mlp:784-16-10', '--data', 'mnist', '--epochs', '1', '--seed', '1', '-q', '--out', join(root, 'a')]);
  expect(r.code, r.stderr).toBe(0);
  // `modeconn` on PATH, as the scripts expect it: the built CLI.
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin', 'modeconn'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(root, 'bin', 'modeconn'), 0o755);
}, 60_000);

const withBin = (env: Record<string, string>) => ({ ...process.env, ...CLEAN, MODECONN_DEBUG: '', PATH: `${join(root, 'bin')}:${process.env.PATH}`, ...env });

describe('Kubernetes Indexed Job', () => {
  const job = parse(readFileSync(join(docs, 'landscape-job.yaml'), 'utf8')) as JobManifest;
  const merge = parse(readFileSync(join(docs, 'merge-job.yaml'), 'utf8')) as JobManifest;
  const [container] = job.spec.template.spec.containers;

  it('is an Indexed Job whose completions, parallelism and --shard-count agree, running modeconn --shard auto', () => {
    expect([job.apiVersion, job.kind, merge.apiVersion, merge.kind]).toEqual(['batch/v1', 'Job', 'batch/v1', 'Job']);
    expect(job.spec.completionMode).toBe('Indexed');
    const n = Number(flagValue(container.command, '--shard-count'));
    expect(n).toBeGreaterThan(1);
    expect(job.spec.completions).toBe(n);
    expect(job.spec.parallelism).toBe(n);
    expect(container.command.slice(0, 2)).toEqual(['modeconn', 'landscape']);
    expect(flagValue(container.command, '--shard')).toBe('auto');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    // The merge job reads the directory the shards write, on the same volume.
    const mergeCommand = merge.spec.template.spec.containers[0].command;
    expect(mergeCommand).toEqual(['modeconn', 'merge-shards', flagValue(container.command, '--out')]);
    expect(merge.spec.template.spec.volumes).toEqual(job.spec.template.spec.volumes);
    expect(merge.spec.template.spec.containers[0].volumeMounts).toEqual(container.volumeMounts);
  });

  it('its pods (JOB_COMPLETION_INDEX 0 … N − 1) and the merge job make the report (grid made small)', () => {
    const mount = container.volumeMounts[0].mountPath;
    const local = (args: string[]) => args.map((a) => a.replace(mount, join(root, 'k8s'))).map((a, i, all) => (all[i - 1] === '--grid' ? '5' : a));
    mkdirSync(join(root, 'k8s', 'a'), { recursive: true });
    writeFileSync(join(root, 'k8s', 'a', 'model.safetensors'), readFileSync(model));
    for (let k = 0; k < job.spec.completions!; k++) {
      const r = spawnSync('modeconn', local(container.command.slice(1)), { env: withBin({ JOB_COMPLETION_INDEX: String(k) }), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    const m = merge.spec.template.spec.containers[0].command;
    const r = spawnSync(m[0], local(m.slice(1)), { env: withBin({}), encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(readJson(join(local([flagValue(container.command, '--out')])[0], 'report.json')).surface.sets.test.loss.flat()).toHaveLength(25);
  }, 120_000);
});

describe('SLURM array script', () => {
  const file = join(docs, 'landscape.sbatch');
  const script = readFileSync(file, 'utf8');
  const range = /^#SBATCH --array=0-(\d+)$/m.exec(script);
  const n = Number(range?.[1]) + 1;

  it('is valid bash; its array is 0 … N − 1, each task runs modeconn --shard auto, and it queues merge-shards after the array', () => {
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    expect(range).not.toBeNull();
    expect(n).toBeGreaterThan(1);
    const lines = script.replace(/\\\n\s*/g, ' ');
    expect(lines).toMatch(/^modeconn landscape .*--shard auto/m);
    expect(script).toMatch(/--dependency=afterok:.*\n.*modeconn merge-shards/);
  });

  it('run by hand it queues the array and the merge; the tasks (SLURM variables) and the merge make the report', () => {
    const out = join(root, 'slurm-out');
    const env = withBin({ MODEL: model, OUT: out, GRID: '5' });
    // A stand-in sbatch that records its arguments and answers a job id.
    const log = join(root, 'sbatch.log');
    writeFileSync(join(root, 'bin', 'sbatch'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> "${log}"\necho ---- >> "${log}"\necho 4242\n`);
    chmodSync(join(root, 'bin', 'sbatch'), 0o755);
    const submit = spawnSync('bash', [file], { env, encoding: 'utf8', cwd: root });
    expect(submit.status, submit.stderr).toBe(0);
    const [arrayCall, mergeCall] = readFileSync(log, 'utf8').split('----\n').map((c) => c.trim().split('\n'));
    expect(arrayCall).toContain(file);
    expect(mergeCall).toContain('--dependency=afterok:4242');
    const wrap = flagValue(mergeCall, '--wrap');
    expect(wrap).toContain('merge-shards');
    // The array's tasks, as SLURM starts them; then the queued merge command.
    for (let k = 0; k < n; k++) {
      const r = spawnSync('bash', [file], { env: { ...env, SLURM_ARRAY_TASK_ID: String(k), SLURM_ARRAY_TASK_COUNT: String(n), SLURM_ARRAY_TASK_MIN: '0' }, encoding: 'utf8', cwd: root });
      expect(r.status, r.stderr).toBe(0);
    }
    const merged = spawnSync('sh', ['-c', wrap], { env, encoding: 'utf8', cwd: root });
    expect(merged.status, merged.stderr).toBe(0);
    const report = readJson(join(out, 'report.json'));
    expect(report.surface.sets.test.loss.flat()).toHaveLength(25);
    expect(report.command).toContain('--workers');
  }, 120_000);
});
