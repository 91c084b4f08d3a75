/**
 * Run manifests: everything needed to reproduce a report exactly — seeds, the identity of every data
 * set (name, size, content hash), the sample order, the architecture, hashes of the parameter
 * vectors, the library version and the options. Plain JSON-safe data.
 */
import type { DataSet } from '../data/dataset.js';
import { Fnv1a64 } from '../data/hash.js';
import type { Arch } from '../model/arch.js';

/** The library version (kept equal to package.json's "version"; a test checks it). */
export const LIBRARY_VERSION = '0.1.0';

/** Which data set, exactly. */
export interface DataIdentity {
  name: string;
  /** Samples. */
  n: number;
  shape: number[];
  classes: number;
  /** FNV-1a 64 of shape, classes, labels and samples (DataSet.hash). */
  hash: string;
}

/** The manifest attached to every report. */
export interface RunManifest {
  library: { name: 'modeconn'; version: string };
  /** What produced the report: 'evaluatePath', 'fitCurve', 'ensembleAlongPath', … */
  operation: string;
  arch: Arch;
  /** FNV-1a 64 of each point's f32 bits (θ_0 … θ_{k−1}), in order. */
  params: string[];
  seeds: Record<string, number>;
  /** Role ('train', 'test', 'bn', …) → data set identity. */
  data: Record<string, DataIdentity>;
  /** How samples were ordered into batches. */
  sampleOrder: string;
  /** The options after defaults (JSON-safe). */
  options: Record<string, unknown>;
  /** ISO time of the run (the only field that differs between identical runs). */
  createdAt: string;
}

/** A data set's identity for a manifest. */
export function dataIdentity(data: DataSet): DataIdentity {
  return { name: data.name, n: data.n, shape: [...data.shape], classes: data.classes, hash: data.hash };
}

/** FNV-1a 64 (16 hex digits) of a parameter vector's f32 bits. */
export function hashParams(params: Float32Array): string {
  const h = new Fnv1a64();
  h.words(new Uint32Array(params.buffer, params.byteOffset, params.length));
  return h.hex();
}

/** Drops functions, engines, pools, signals and data sets from options so they serialise. */
export function jsonOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined || typeof v === 'function') continue;
    if (v !== null && typeof v === 'object') {
      if (ArrayBuffer.isView(v) || ('x' in v && ArrayBuffer.isView((v as { x: unknown }).x))) continue; // vectors, data sets
      if (!Array.isArray(v) && Object.getPrototypeOf(v) !== Object.prototype) continue; // engines, pools, signals
    }
    out[k] = v;
  }
  return out;
}

/** Builds a manifest. */
export function createManifest(init: {
  operation: string;
  arch: Arch;
  points: readonly Float32Array[];
  data: Record<string, DataSet>;
  seeds?: Record<string, number>;
  sampleOrder: string;
  options: Record<string, unknown>;
}): RunManifest {
  const data: Record<string, DataIdentity> = {};
  for (const [role, set] of Object.entries(init.data)) data[role] = dataIdentity(set);
  return {
    library: { name: 'modeconn', version: LIBRARY_VERSION },
    operation: init.operation,
    arch: init.arch,
    params: init.points.map(hashParams),
    seeds: { ...(init.seeds ?? {}) },
    data,
    sampleOrder: init.sampleOrder,
    options: jsonOptions(init.options),
    createdAt: new Date().toISOString(),
  };
}
