/**
 * Saved curves: `<prefix>.safetensors` holds the points, `<prefix>.json` describes the curve (kind,
 * degree, knots, arch, manifest, fit log). Tensor names: with an arch, `bend.<j>.<state_dict name>`
 * (PyTorch shapes; counters omitted), else one flat F32 tensor `bend.<j>` per point. Points are
 * numbered as Garipov's bends, endpoints included: bend.0 = θ(0), bend.<k−1> = θ(1). The description
 * is also in the safetensors "__metadata__" under "modeconn.curve", so the weights file alone loads.
 */
import { ModeconnError } from '../errors.js';
import { readFileBytes, writeFileAtomic } from '../io/node-files.js';
import { parseSafetensors, expectTensors, tensorToFloat32 } from '../io/safetensors.js';
import { serializeSafetensors, type TensorInput } from '../io/safetensors-write.js';
import type { Arch } from '../model/arch.js';
import { compiledOf } from '../model/model.js';
import type { FitEpochLog } from './fit.js';
import type { RunManifest } from './manifest.js';
import { type Path, type PathKind, bezierPath, linearPath, polyChain, waypointPath } from './path.js';

/** The JSON description of a saved curve. */
export interface CurveDescription {
  format: 'modeconn-curve';
  version: 1;
  kind: PathKind;
  degree: number;
  /** Number of points k (endpoints included). */
  points: number;
  knots?: number[];
  /** Floats per point. */
  length: number;
  /** 'state_dict': bend.<j>.<name> per layout tensor; 'flat': one tensor bend.<j> per point. */
  tensors: 'state_dict' | 'flat';
  arch?: Arch;
  manifest?: RunManifest;
  log?: FitEpochLog[];
}

export interface SaveCurveOptions {
  /** Name tensors by the arch's state_dict layout (recommended). */
  arch?: Arch;
  manifest?: RunManifest;
  log?: FitEpochLog[];
}

/** A curve as safetensors bytes plus its JSON description. */
export function serializeCurve(path: Path, options: SaveCurveOptions = {}): { safetensors: Uint8Array; json: string; description: CurveDescription } {
  const { arch } = options;
  const length = path.points[0].length;
  const tensors = new Map<string, TensorInput>();
  if (arch) {
    const compiled = compiledOf(arch);
    if (length !== compiled.totalLength) throw new ModeconnError('BAD_SHAPE', `curve points have ${length} values; the architecture needs ${compiled.totalLength}`);
    path.points.forEach((p, j) => {
      for (const e of compiled.layout) {
        if (e.kind !== 'counter') tensors.set(`bend.${j}.${e.name}`, { shape: e.shape, data: p.subarray(e.offset, e.offset + e.length) });
      }
    });
  } else {
    path.points.forEach((p, j) => tensors.set(`bend.${j}`, { shape: [length], data: p }));
  }
  const description: CurveDescription = {
    format: 'modeconn-curve',
    version: 1,
    kind: path.kind,
    degree: path.degree,
    points: path.points.length,
    ...(path.knots ? { knots: [...path.knots] } : {}),
    length,
    tensors: arch ? 'state_dict' : 'flat',
    ...(arch ? { arch } : {}),
  };
  const safetensors = serializeSafetensors(tensors, { metadata: { 'modeconn.curve': JSON.stringify(description) } });
  const full: CurveDescription = { ...description, ...(options.manifest ? { manifest: options.manifest } : {}), ...(options.log ? { log: options.log } : {}) };
  return { safetensors, json: JSON.stringify(full, null, 2), description: full };
}

/** Rebuilds a curve from safetensors bytes (and optionally its JSON, which wins over the metadata). */
export function parseCurve(bytes: Uint8Array, json?: string, name = 'curve'): { path: Path; description: CurveDescription } {
  const file = parseSafetensors(bytes, { name });
  let description: CurveDescription;
  try {
    description = JSON.parse(json ?? file.metadata['modeconn.curve'] ?? 'null') as CurveDescription;
  } catch (cause) {
    throw new ModeconnError('BAD_FILE', `${name}: the curve description is not valid JSON`, { cause });
  }
  if (!description || description.format !== 'modeconn-curve' || description.version !== 1) {
    throw new ModeconnError('BAD_FILE', `${name}: not a modeconn curve (no "modeconn-curve" description of version 1)`);
  }
  const { points: k, length } = description;
  if (!Number.isInteger(k) || k < 2 || !Number.isInteger(length) || length < 1) throw new ModeconnError('BAD_FILE', `${name}: bad point count ${k} or length ${length}`);
  const points: Float32Array[] = [];
  if (description.tensors === 'state_dict') {
    if (!description.arch) throw new ModeconnError('BAD_FILE', `${name}: state_dict tensors but no arch in the description`);
    const compiled = compiledOf(description.arch);
    if (compiled.totalLength !== length) throw new ModeconnError('BAD_FILE', `${name}: length ${length} does not match the arch (${compiled.totalLength})`);
    const entries = compiled.layout.filter((e) => e.kind !== 'counter');
    expectTensors(file, Array.from({ length: k }, (_, j) => entries.map((e) => `bend.${j}.${e.name}`)).flat());
    for (let j = 0; j < k; j++) {
      const theta = new Float32Array(length);
      for (const e of entries) {
        const tensor = file.tensors.get(`bend.${j}.${e.name}`)!;
        if (tensor.shape.join(',') !== e.shape.join(',')) {
          throw new ModeconnError('BAD_SHAPE', `${name}: tensor bend.${j}.${e.name} has shape [${tensor.shape}], expected [${e.shape}]`);
        }
        theta.set(tensorToFloat32(tensor), e.offset);
      }
      points.push(theta);
    }
  } else {
    expectTensors(file, Array.from({ length: k }, (_, j) => `bend.${j}`));
    for (let j = 0; j < k; j++) {
      const values = tensorToFloat32(file.tensors.get(`bend.${j}`)!);
      if (values.length !== length) throw new ModeconnError('BAD_SHAPE', `${name}: tensor bend.${j} has ${values.length} values, expected ${length}`);
      points.push(Float32Array.from(values));
    }
  }
  return { path: pathOf(description, points, name), description };
}

function pathOf(d: CurveDescription, points: Float32Array[], name: string): Path {
  switch (d.kind) {
    case 'line':
      return points.length === 2 ? linearPath(points[0], points[1]) : polyChain(points[0], points.slice(1, -1), points[points.length - 1]);
    case 'polychain':
      return polyChain(points[0], points.slice(1, -1), points[points.length - 1]);
    case 'bezier':
      return bezierPath(points);
    case 'waypoints':
      return waypointPath(points, d.knots ?? []);
    default:
      throw new ModeconnError('BAD_FILE', `${name}: unknown curve kind ${JSON.stringify(d.kind)}`);
  }
}

function prefixOf(file: string): string {
  return file.replace(/\.(safetensors|json)$/, '');
}

/** Writes `<prefix>.safetensors` and `<prefix>.json` (each atomically). */
export async function saveCurve(path: Path, prefix: string, options: SaveCurveOptions = {}): Promise<{ safetensors: string; json: string }> {
  const base = prefixOf(prefix);
  const { safetensors, json } = serializeCurve(path, options);
  const files = { safetensors: `${base}.safetensors`, json: `${base}.json` };
  await writeFileAtomic(files.safetensors, safetensors);
  await writeFileAtomic(files.json, new TextEncoder().encode(json));
  return files;
}

/** Reads a curve saved by `saveCurve` (`prefix`, or either file's path); the JSON is optional. */
export async function loadCurve(prefix: string): Promise<{ path: Path; description: CurveDescription }> {
  const base = prefixOf(prefix);
  const bytes = await readFileBytes(`${base}.safetensors`);
  let json: string | undefined;
  try {
    json = new TextDecoder().decode(await readFileBytes(`${base}.json`));
  } catch {
    json = undefined;
  }
  return parseCurve(bytes, json, `${base}.safetensors`);
}
