// Writes schemas/<kind>.schema.json (JSON Schema draft-07), one per report kind the CLI writes
// (RunInfo.report in ts/cli/manifest.ts), from shared pieces defined once here. Objects allow extra
// properties: new fields do not change formatVersion, so readers must tolerate them.
// Run: npm run build:schemas   (tests/schemas.test.ts checks that the committed files are fresh)
import { mkdirSync, writeFileSync } from 'node:fs';

const FORMAT_VERSION = 1;

const str = { type: 'string' };
const num = { type: 'number' };
const int = { type: 'integer', minimum: 0 };
// JSON has no NaN or ±Infinity: JSON.stringify writes them as null (an empty class's loss, say).
const numOrNull = { type: ['number', 'null'] };
const bool = { type: 'boolean' };
const arrayOf = (items, extra = {}) => ({ type: 'array', items, ...extra });
const mapOf = (values) => ({ type: 'object', additionalProperties: values });
const obj = (properties, required = Object.keys(properties)) => ({ type: 'object', required, properties });
const ref = (name) => ({ $ref: `#/definitions/${name}` });

/** Pieces several kinds share; each schema carries the ones it uses. */
const definitions = {
  dataIdentity: obj({ name: str, n: int, shape: arrayOf(int), classes: int, hash: { type: 'string', pattern: '^[0-9a-f]{16}$' } }),
  arch: obj({
    input: { oneOf: [int, arrayOf(int)] },
    classes: int,
    layers: arrayOf(obj({ type: str })),
  }),
  inputs: mapOf(obj({ file: str, metadata: mapOf(str) }, ['file'])),
  optimizer: obj({ type: { enum: ['sgd', 'adam'] }, lr: num }),
  point: obj({ t: num, loss: numOrNull, accuracy: num, error: num, distance: num }, ['t', 'loss', 'accuracy', 'error']),
  curveMetrics: obj({
    endpoints: arrayOf(numOrNull, { minItems: 2, maxItems: 2 }),
    barrier: numOrNull, barrierT: num, barrierMaxMinusMean: numOrNull, midpointDeficit: numOrNull,
    min: numOrNull, max: numOrNull, mean: numOrNull, lengthWeightedMean: numOrNull,
  }),
  bootstrapInterval: obj({ estimate: numOrNull, lower: numOrNull, upper: numOrNull, level: num, resamples: int, seed: int, statistic: str }),
  manifest: obj({
    library: obj({ name: { const: 'modeconn' }, version: str }),
    operation: str,
    arch: ref('arch'),
    params: arrayOf({ type: 'string', pattern: '^[0-9a-f]{16}$' }),
    seeds: mapOf(num),
    data: mapOf(ref('dataIdentity')),
    sampleOrder: str,
    options: { type: 'object' },
    createdAt: str,
  }),
  epochLog: obj({ epoch: int, lr: num, trainLoss: numOrNull, trainAccuracy: num, testLoss: numOrNull, testAccuracy: num, seconds: num }, ['epoch', 'lr', 'trainLoss', 'trainAccuracy', 'seconds']),
  splits: obj({ spec: str, train: ref('dataIdentity'), test: ref('dataIdentity') }),
  evaluatedSplits: obj({ spec: str, train: ref('dataIdentity'), test: ref('dataIdentity'), trainEvaluated: ref('dataIdentity') }),
  archInfo: obj({ label: str, parameters: int, value: ref('arch') }, ['label', 'value']),
  files: mapOf({ type: ['string', 'null'] }),
  warnings: arrayOf(str),
  // An ensemble of the first `members` members (ts/ensembles/growth.ts); one member has no pairs (null diversity).
  growthPoint: obj({ members: int, accuracy: num, nll: numOrNull, ece: num, disagreement: numOrNull, kl: numOrNull }),
};

/** The fields every report starts with (RunInfo). */
const runInfo = (kind) => ({
  formatVersion: { const: FORMAT_VERSION },
  report: { const: kind },
  tool: { const: 'modeconn' },
  version: str,
  command: arrayOf(str, { minItems: 2 }),
  node: str,
  platform: str,
  startedAt: str,
});

const completed = { const: 'completed' };

const kinds = {
  train: {
    title: 'modeconn train: train.json (rewritten after every epoch)',
    properties: {
      status: { enum: ['running', 'completed', 'cancelled', 'failed'] },
      seed: int,
      data: ref('splits'),
      arch: obj({ spec: str, file: str, parameters: int, values: int, value: ref('arch') }, ['parameters', 'values', 'value']),
      options: obj({ epochs: int, batchSize: int, optimizer: ref('optimizer'), schedule: obj({ type: str }), warmupEpochs: num }),
      epochs: arrayOf(ref('epochLog')),
      final: { oneOf: [{ type: 'null' }, obj({ trainLoss: numOrNull, trainAccuracy: num, testLoss: numOrNull, testAccuracy: num }, ['trainLoss', 'trainAccuracy'])] },
      files: obj({ model: { type: ['string', 'null'] }, manifest: str }),
      timings: obj({ totalSeconds: num }),
      error: obj({ code: str, message: str }),
    },
    required: ['status', 'seed', 'data', 'arch', 'options', 'epochs', 'final', 'files'],
  },
  eval: {
    title: 'modeconn eval: eval.json',
    properties: {
      model: obj({ file: str, parameters: int, arch: ref('arch'), metadata: mapOf(str) }),
      data: obj({ spec: str, split: { enum: ['train', 'test'] }, name: str, n: int, shape: arrayOf(int), classes: int, hash: str }),
      bnRecompute: bool,
      loss: numOrNull,
      accuracy: num,
      perClass: arrayOf(obj({ class: int, n: int, loss: numOrNull, accuracy: numOrNull })),
      seconds: num,
    },
  },
  paths: {
    title: 'modeconn path, curve, autoneb, stability, demo: report.json (paths evaluated on train and test)',
    properties: {
      status: completed,
      data: ref('evaluatedSplits'),
      arch: ref('archInfo'),
      // The two model files, or (path --curve) the saved curve that was evaluated.
      inputs: {
        anyOf: [
          ref('inputs'),
          obj({ curve: str, kind: str, degree: int, points: int, fitManifest: { type: ['object', 'null'] } }),
        ],
      },
      options: obj({ points: int, bn: { enum: ['blend', 'recompute', 'batch-stats'] }, bootstrap: int, perSample: bool, evalBatchSize: int, workers: int, trainSamples: { type: ['integer', 'null'] } }),
      paths: mapOf(obj({
        label: str,
        kind: str,
        degree: int,
        ts: arrayOf(num),
        distance: arrayOf(num),
        length: num,
        bn: str,
        manifest: ref('manifest'),
        sets: mapOf(obj({
          data: ref('dataIdentity'),
          points: arrayOf(ref('point')),
          metrics: obj({ loss: ref('curveMetrics'), error: ref('curveMetrics') }),
          bootstrap: obj({ loss: ref('bootstrapInterval'), error: ref('bootstrapInterval') }),
          perSample: obj({ losses: arrayOf(arrayOf(numOrNull)), correct: arrayOf(arrayOf({ enum: [0, 1] })) }),
        }, ['data', 'points'])),
        seconds: num,
      }, ['label', 'kind', 'ts', 'sets'])),
      files: ref('files'),
      warnings: ref('warnings'),
    },
    required: ['status', 'data', 'arch', 'inputs', 'options', 'paths', 'files'],
  },
  align: {
    title: 'modeconn align: report.json',
    properties: {
      status: completed,
      method: { enum: ['weight', 'activation', 'ste', 'sinkhorn'] },
      data: ref('splits'),
      arch: ref('archInfo'),
      inputs: ref('inputs'),
      options: { type: 'object' },
      objective: arrayOf(numOrNull),
      permutations: mapOf(arrayOf(int)),
      moved: mapOf(int),
      check: obj({ samples: int, maxLogitGap: num, logitScale: num }),
      files: ref('files'),
      seconds: num,
    },
  },
  explain: {
    title: 'modeconn explain: report.json (what each symmetry explains of the barrier)',
    properties: {
      status: completed,
      data: ref('splits'),
      arch: ref('archInfo'),
      inputs: ref('inputs'),
      options: { type: 'object' },
      best: str,
      alignment: obj({ weight: obj({ objective: arrayOf(numOrNull) }), activation: obj({ objective: arrayOf(numOrNull) }) }),
      rows: arrayOf(obj({
        key: str, label: str, bn: str,
        lossBarrier: numOrNull, accuracyBarrier: numOrNull, lossBarrierRemoved: numOrNull,
        // null for a row that does not apply (e.g. a BatchNorm reset on a net without BatchNorm)
        points: { oneOf: [{ type: 'null' }, arrayOf(ref('point'))] },
        metrics: { oneOf: [{ type: 'null' }, obj({ loss: ref('curveMetrics'), error: ref('curveMetrics') })] },
        note: str,
      }, ['key', 'label', 'bn'])),
      files: ref('files'),
      warnings: ref('warnings'),
      seconds: num,
    },
    required: ['status', 'data', 'arch', 'inputs', 'options', 'best', 'rows', 'files'],
  },
  landscape: {
    title: 'modeconn landscape: report.json (loss and accuracy over a grid)',
    properties: {
      status: completed,
      data: ref('evaluatedSplits'),
      arch: ref('archInfo'),
      inputs: ref('inputs'),
      kind: { enum: ['random', 'line', 'plane'] },
      marks: arrayOf(obj({ label: str, x: num, y: num }, ['label', 'x'])),
      options: obj({ grid: int, bn: str, evalBatchSize: int, workers: int }),
      surface: obj({
        xs: arrayOf(num),
        ys: arrayOf(num),
        bn: str,
        sets: mapOf(obj({ data: ref('dataIdentity'), loss: arrayOf(arrayOf(numOrNull)), accuracy: arrayOf(arrayOf(num)) })),
        manifest: ref('manifest'),
      }, ['xs', 'sets']),
      files: ref('files'),
      warnings: ref('warnings'),
      seconds: num,
    },
    required: ['status', 'data', 'arch', 'inputs', 'kind', 'options', 'surface', 'files'],
  },
  simplex: {
    title: 'modeconn simplex: report.json (a simplex of low loss and its ensemble)',
    properties: {
      status: completed,
      data: ref('evaluatedSplits'),
      arch: ref('archInfo'),
      inputs: ref('inputs'),
      options: { type: 'object' },
      fit: obj({ log: arrayOf(obj({ vertex: int, epoch: int, trainLoss: numOrNull, logVolume: numOrNull }, ['vertex', 'epoch'])), manifest: ref('manifest') }),
      evaluation: obj({
        points: arrayOf(obj({ kind: { enum: ['vertex', 'centroid', 'sample'] }, weights: arrayOf(num), sets: mapOf(obj({ loss: numOrNull, accuracy: num })) })),
        ensemble: mapOf(obj({ loss: numOrNull, accuracy: num, members: int })),
        bn: str,
        manifest: ref('manifest'),
      }, ['points', 'ensemble']),
      files: ref('files'),
      warnings: ref('warnings'),
      seconds: num,
    },
    required: ['status', 'data', 'arch', 'inputs', 'options', 'fit', 'evaluation', 'files'],
  },
  convert: {
    title: 'modeconn convert: the JSON of --json (a model file in another format, read back and verified)',
    properties: {
      input: obj({ file: str, format: str, bytes: int }),
      output: obj({ file: str, format: str, bytes: int }),
      arch: ref('arch'),
      parameters: int,
      verified: bool,
    },
  },
  counterexample: {
    title: 'modeconn counterexample: report.json (disconnected global minimisers, Kuditipudi et al.)',
    properties: {
      status: completed,
      options: { type: 'object' },
      results: arrayOf({ type: 'object' }),
      files: ref('files'),
    },
  },
  hessian: {
    title: 'modeconn hessian: report.json (Hessian spectrum at a model and along a path)',
    properties: {
      status: completed,
      data: obj({ spec: str, split: { enum: ['train', 'test'] }, evaluated: ref('dataIdentity') }),
      arch: ref('archInfo'),
      inputs: { type: 'object' },
      extra: arrayOf(obj({ label: str, file: str })),
      options: { type: 'object' },
      spectrum: obj({ top: arrayOf(obj({ value: num, residual: num })) }, ['top']),
      along: { oneOf: [{ type: 'null' }, arrayOf({ type: 'object' })] },
      seconds: num,
      files: ref('files'),
      warnings: ref('warnings'),
    },
    required: ['status', 'data', 'arch', 'options', 'spectrum', 'seconds', 'files'],
  },
  subspace: {
    title: 'modeconn subspace: report.json (training in random subspaces; intrinsic dimension)',
    properties: {
      status: completed,
      data: ref('splits'),
      arch: ref('archInfo'),
      options: { type: 'object' },
      result: { type: 'object' },
      seconds: num,
      files: ref('files'),
      warnings: ref('warnings'),
    },
    required: ['status', 'data', 'arch', 'options', 'result', 'seconds', 'files'],
  },
  trajectory: {
    title: 'modeconn trajectory: report.json (PCA of a training trajectory and the loss on its plane)',
    properties: {
      status: completed,
      data: { type: 'object' },
      arch: ref('archInfo'),
      options: { type: 'object' },
      log: arrayOf({ type: 'object' }),
      pca: obj({ explainedVarianceRatio: arrayOf(num), explainedVariance: arrayOf(num), singularValues: arrayOf(num), snapshots: arrayOf(obj({ step: int, epoch: num, x: num, y: num, inPlane: num })) }),
      surface: { type: 'object' },
      seconds: obj({ train: num, surface: num }),
      files: ref('files'),
      warnings: ref('warnings'),
    },
    required: ['status', 'data', 'arch', 'options', 'log', 'pca', 'surface', 'seconds', 'files'],
  },
  widths: {
    title: 'modeconn widths: report.json (the width sweep of Nguyen et al.\'s conditions)',
    properties: {
      status: { enum: ['running', 'completed', 'cancelled', 'failed'] },
      data: ref('splits'),
      options: { type: 'object' },
      rows: arrayOf({ type: 'object' }),
      files: ref('files'),
      seconds: num,
    },
  },
  fge: {
    title: 'modeconn fge: report.json (fast geometric ensembling: snapshots and their ensemble)',
    properties: {
      status: completed,
      data: ref('splits'),
      arch: ref('archInfo'),
      input: { type: 'object' },
      options: { type: 'object' },
      ece: obj({ bins: int, binning: str }),
      epochs: obj({ pretrain: num, cycles: num, total: num }),
      start: obj({ loss: numOrNull, accuracy: num }),
      snapshots: arrayOf(obj({ cycle: int, step: int, epoch: int, lr: num, test: obj({ loss: numOrNull, accuracy: num }) })),
      growth: arrayOf(ref('growthPoint')),
      log: arrayOf(ref('epochLog')),
      manifest: ref('manifest'),
      files: ref('files'),
      warnings: ref('warnings'),
      seconds: num,
    },
    required: ['status', 'data', 'arch', 'options', 'epochs', 'start', 'snapshots', 'growth', 'manifest', 'files', 'seconds'],
  },
  swa: {
    title: 'modeconn swa: report.json (stochastic weight averaging against the SGD iterate, and its geometry)',
    properties: {
      status: completed,
      data: ref('evaluatedSplits'),
      arch: ref('archInfo'),
      input: { type: 'object' },
      options: { type: 'object' },
      epochs: obj({ pretrain: num, swa: num, total: num }),
      averaged: int,
      results: mapOf(mapOf(obj({ loss: numOrNull, accuracy: num }))),
      geometry: obj({
        distances: arrayOf(num),
        normalization: { enum: ['filter', 'unit'] },
        rays: obj({ swa: { type: 'object' }, sgd: { type: 'object' } }),
        meanLoss: obj({ swa: arrayOf(numOrNull), sgd: arrayOf(numOrNull) }),
        width: obj({ swa: numOrNull, sgd: numOrNull }),
        line: obj({ ts: arrayOf(num), distance: num, sets: mapOf(obj({ loss: arrayOf(numOrNull), accuracy: arrayOf(num) })) }),
      }, ['distances', 'rays', 'meanLoss', 'width', 'line']),
      log: arrayOf(ref('epochLog')),
      manifest: ref('manifest'),
      files: ref('files'),
      warnings: ref('warnings'),
      seconds: num,
    },
    required: ['status', 'data', 'arch', 'options', 'epochs', 'averaged', 'results', 'manifest', 'files', 'seconds'],
  },
  ensembles: {
    title: 'modeconn ensembles: report.json (ensembles compared at equal training budget)',
    properties: {
      status: completed,
      data: ref('splits'),
      arch: ref('archInfo'),
      options: { type: 'object' },
      ece: obj({ bins: int, binning: str }),
      comparison: obj({
        epochs: int,
        ks: arrayOf(int),
        single: ref('growthPoint'),
        rows: arrayOf(obj({
          method: { enum: ['independent', 'fge', 'swa', 'curve', 'simplex'] }, k: int, members: int, epochs: num, detail: str, skipped: str,
          accuracy: num, nll: numOrNull, ece: num, disagreement: numOrNull, kl: numOrNull,
        }, ['method', 'k', 'members', 'epochs'])),
        growth: mapOf(arrayOf(ref('growthPoint'))),
        plan: { type: 'object' },
        seconds: mapOf(num),
        manifest: ref('manifest'),
      }, ['epochs', 'ks', 'single', 'rows', 'growth', 'plan', 'manifest']),
      files: ref('files'),
      warnings: ref('warnings'),
      seconds: num,
    },
    required: ['status', 'data', 'arch', 'options', 'comparison', 'files', 'seconds'],
  },
  bench: {
    title: 'modeconn bench: bench.json (GEMM kernels and training on this machine)',
    properties: {
      results: { type: 'object' },
    },
  },
  merge: {
    title: 'modeconn merge: report.json (N models merged; the merged model against every member and the naive average)',
    properties: {
      status: completed,
      method: { enum: ['many', 'cycle', 'naive', 'uniform-soup', 'greedy-soup'] },
      data: ref('splits'),
      arch: ref('archInfo'),
      inputs: arrayOf(obj({ file: str, metadata: mapOf(str) }, ['file'])),
      options: { type: 'object' },
      evaluation: { type: 'object' },
      mergeMany: { type: 'object' },
      cycleConsistent: { type: 'object' },
      cycleError: { type: 'object' },
      greedySoup: { type: 'object' },
      seconds: num,
      files: ref('files'),
      warnings: ref('warnings'),
    },
    required: ['status', 'method', 'data', 'arch', 'inputs', 'options', 'evaluation', 'seconds', 'files'],
  },
  instability: {
    title: 'modeconn instability: report.json (the barrier between two children spawned at step k, against k)',
    properties: {
      status: completed,
      data: ref('splits'),
      arch: ref('archInfo'),
      options: { type: 'object' },
      result: obj({ spawns: arrayOf({ type: 'object' }), stableFrom: { type: ['integer', 'null'] } }, ['spawns']),
      seconds: num,
      files: ref('files'),
      warnings: ref('warnings'),
    },
    required: ['status', 'data', 'arch', 'options', 'result', 'seconds', 'files'],
  },
};

/** The definitions `schema` refers to, transitively. */
function usedDefinitions(schema, found = new Set()) {
  const text = JSON.stringify(schema);
  for (const [, name] of text.matchAll(/"#\/definitions\/(\w+)"/g)) {
    if (!found.has(name)) {
      found.add(name);
      usedDefinitions(definitions[name], found);
    }
  }
  return found;
}

/** The schema of one report kind. */
export function reportSchema(kind) {
  const { title, properties, required } = kinds[kind];
  const body = {
    type: 'object',
    required: [...Object.keys(runInfo(kind)), ...(required ?? Object.keys(properties))],
    properties: { ...runInfo(kind), ...properties },
  };
  const used = [...usedDefinitions(body)].sort();
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    description: `A modeconn report, format version ${FORMAT_VERSION}: the JSON the CLI writes. Fields may be added without a version change.`,
    ...body,
    definitions: Object.fromEntries(used.map((name) => [name, definitions[name]])),
  };
}

/** Every kind's file name and text. */
export function schemaFiles() {
  return Object.keys(kinds).map((kind) => [`${kind}.schema.json`, `${JSON.stringify(reportSchema(kind), null, 2)}\n`]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = new URL('../schemas/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of schemaFiles()) writeFileSync(new URL(name, dir), text);
  console.log(`schemas: ${Object.keys(kinds).length} written`);
}
