/**
 * One run of the lab: make the pair (train A and B on the pool, or read them from files), then the
 * paths, the symmetries and the plane, each drawn as it arrives. Every stage's seconds are recorded,
 * and the training windows too (tests check that the page had no long task inside them).
 */
import { ModeconnError, type Pool } from 'modeconn';
import { analysePaths, type PathsResult } from './analysis/paths.js';
import { analysePlane, type PlaneResult } from './analysis/plane.js';
import { analyseSymmetry } from './analysis/symmetry.js';
import { buildArch, takeDigitsTrain, makePlayData, buildTrainJob } from './experiment.js';
import { loadDigits, parseArchText, readIdxPair, readModels } from './files.js';
import { inferViewKind, type Pair } from './pair.js';
import type { PathsPanel } from './panels/paths-panel.js';
import type { PlanePanel } from './panels/plane-panel.js';
import type { SymmetryPanel } from './panels/symmetry-panel.js';
import type { TrainingPanel } from './panels/training-panel.js';
import { summarizePair, summarizePath, summarizePlane, summarizeSymmetry, type LabResults } from './report.js';
import type { LabState, PathKey } from './state.js';
import { $, setStatus } from './ui/dom.js';

/** What a run reads and where it draws. */
export interface RunContext {
  pool: Pool;
  state: () => LabState;
  panels: { training: TrainingPanel; paths: PathsPanel; symmetry: SymmetryPanel; plane: PlanePanel };
  /** The files of "your models". */
  files: { models: File[]; idx: File[] };
  signal: AbortSignal;
  timings: Record<string, number>;
  trainingWindows: Array<{ start: number; end: number }>;
  results: LabResults;
  /** The current pair, paths and plane as they are made (for exports). */
  made: { pair?: Pair; paths?: PathsResult; plane?: PlaneResult };
}

function checkCancelled(signal: AbortSignal): void {
  if (signal.aborted) throw new ModeconnError('CANCELLED', 'the run was cancelled');
}

async function timeStage<T>(ctx: RunContext, stage: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const out = await work();
  ctx.timings[stage] = (performance.now() - started) / 1000;
  return out;
}

/** Trains A and B at once (one worker each) with live curves, progress and cancel. */
async function trainPair(ctx: RunContext, s: LabState): Promise<Pair> {
  const { train, test, input, classes, label } = s.src === 'play'
    ? { ...makePlayData(s), input: [2], classes: s.data === 'moons' ? 2 : s.classes, label: `${s.data}, ${s.data === 'moons' ? 2 : s.classes} classes` }
    : await (async () => {
      const d = await loadDigits();
      return { train: takeDigitsTrain(d.train, s), test: d.test, input: [1, 28, 28], classes: 10, label: `MNIST digits (${Math.min(s.samples, d.train.n)} for training)` };
    })();
  const arch = buildArch(s, input, classes);
  await ctx.panels.training.reset();
  // Training starts in a task of its own (not at the end of the data's).
  await new Promise((next) => setTimeout(next, 0));
  const fractions = [0, 0];
  const interval = { start: performance.now(), end: Infinity };
  ctx.trainingWindows.push(interval);
  const run = (which: 0 | 1) => ctx.pool.train(arch, train, {
    ...buildTrainJob(s, which, test),
    signal: ctx.signal,
    onProgress: (p) => {
      fractions[which] = p.fraction;
      setStatus(`training A and B on ${ctx.pool.size} workers: epoch ${p.epoch} of ${s.epochs}`, (fractions[0] + fractions[1]) / 2);
    },
    onEpoch: (log) => ctx.panels.training.add(which ? 'B' : 'A', log),
  });
  let a, b;
  try {
    [a, b] = await Promise.all([run(0), run(1)]);
  } finally {
    interval.end = performance.now();
    // The work after training (the last curves, the next stage) starts in a task of its own.
    await new Promise((next) => setTimeout(next, 0));
  }
  await ctx.panels.training.flush();
  return { label, arch, a, b, train, test, kind: inferViewKind(arch), seed: s.seed, logs: { A: a.log, B: b.log } };
}

/** Reads the user's two models and data (nothing leaves the page). */
async function readPair(ctx: RunContext, s: LabState): Promise<Pair> {
  setStatus('reading the files…');
  const [a, b] = await readModels(ctx.files.models, parseArchText(($('arch') as HTMLTextAreaElement).value));
  const { train, test } = s.owndata === 'idx' ? await readIdxPair(ctx.files.idx) : await loadDigits();
  const names = [...ctx.files.models].map((f) => f.name).sort().join(' and ');
  return { label: names, arch: a.arch, a, b, train, test, kind: inferViewKind(a.arch), seed: s.seed };
}

/** The whole run (see the module header); throws CANCELLED when the signal aborts. */
export async function runLab(ctx: RunContext): Promise<void> {
  const s = ctx.state();
  const pair = await timeStage(ctx, s.src === 'own' ? 'read' : 'train', () => (s.src === 'own' ? readPair(ctx, s) : trainPair(ctx, s)));
  ctx.made.pair = pair;
  ctx.results.pair = summarizePair(pair);
  checkCancelled(ctx.signal);
  $('export-models').removeAttribute('disabled');

  const keys: PathKey[] = s.fit > 0 ? ['line', 'curve', 'matched'] : ['line', 'matched'];
  const { paths: panel } = ctx.panels;
  await panel.start(pair, keys);
  ctx.results.paths = {};
  const paths = await timeStage(ctx, 'paths', () => analysePaths(pair, s, {
    runner: ctx.pool,
    signal: ctx.signal,
    onStage: (text, fraction) => setStatus(text, fraction),
    onPath: async (key, path, report) => {
      ctx.results.paths![key] = summarizePath(report);
      await panel.add(key, path, report);
      const now = ctx.state();
      if (now.path === key || (!panel.has(now.path) && key === 'line')) void panel.scrub(panel.has(now.path) ? now.path : key, now.t);
    },
  }));
  ctx.made.paths = paths;
  checkCancelled(ctx.signal);

  setStatus('symmetries: correlating units, explaining the barrier…', 0);
  const symmetry = await timeStage(ctx, 'symmetry', async () => {
    const result = await analyseSymmetry(pair, Math.min(s.points, 11), ctx.pool, { onStage: (text, fraction) => setStatus(text, fraction) });
    await ctx.panels.symmetry.show(result);
    return result;
  });
  ctx.results.symmetry = summarizeSymmetry(symmetry);
  checkCancelled(ctx.signal);

  const plane = await timeStage(ctx, 'plane', async () => {
    const result = await analysePlane(pair, paths, s.grid, ctx.pool, {
      signal: ctx.signal,
      onProgress: (fraction) => setStatus(`the plane through A, B and the ${paths.paths.curve ? 'bend' : 'matched B'}: ${Math.round(100 * fraction)}% of ${s.grid}×${s.grid}`, fraction),
    });
    await ctx.panels.plane.show(result);
    return result;
  });
  ctx.made.plane = plane;
  ctx.results.plane = summarizePlane(plane);
}
