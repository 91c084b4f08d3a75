/**
 * Run manifests: what every CLI report records so a result can be reproduced exactly (command line,
 * library version, Node, platform, start time), and the atomic JSON write (temp file + rename) that
 * keeps a report valid even when the run is killed mid-write.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ModeconnError } from '../errors.js';
import { kernelInfo, type GemmKernel } from '../wasm/kernel-choice.js';

let version: string | undefined;

/** The package's version, read from the package.json above this file (dist/ or ts/cli/). */
export function libraryVersion(): string {
  if (version) return version;
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'modeconn' && pkg.version) return (version = pkg.version);
    } catch {
      // not there: try the next candidate
    }
  }
  return (version = 'unknown');
}

/**
 * The version of the report formats (schemas/<kind>.schema.json). Raised when a field changes
 * meaning or type or is removed; new fields do not raise it.
 */
export const REPORT_FORMAT_VERSION = 1;

/** The report kinds, one JSON Schema each in schemas/ (path, curve, autoneb, stability and demo all write 'paths'). */
export const REPORT_KINDS = ['train', 'eval', 'paths', 'align', 'explain', 'landscape', 'simplex', 'convert', 'counterexample', 'hessian', 'subspace', 'trajectory', 'widths', 'bench', 'fge', 'swa', 'ensembles', 'merge', 'instability'] as const;

/** One of REPORT_KINDS. */
export type ReportKind = (typeof REPORT_KINDS)[number];

/** The fields every report starts with. */
export interface RunInfo {
  /** REPORT_FORMAT_VERSION when the report was written. */
  formatVersion: typeof REPORT_FORMAT_VERSION;
  /** Which schema the report follows: schemas/<report>.schema.json in the package. */
  report: ReportKind;
  tool: 'modeconn';
  version: string;
  command: string[];
  node: string;
  platform: string;
  /** The GEMM micro-kernel of this thread: 'relaxed' results are reproducible on this machine and engine, 'simd128' everywhere. */
  kernel: GemmKernel;
  startedAt: string;
}

/** Run information for a report of `kind` made by `argv` (the arguments after `modeconn`). */
export function runInfo(argv: readonly string[], kind: ReportKind): RunInfo {
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    report: kind,
    tool: 'modeconn',
    version: libraryVersion(),
    command: ['modeconn', ...argv],
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: kernelInfo().kernel,
    startedAt: new Date().toISOString(),
  };
}

/** Creates `dir` (and parents); IO_ERROR naming it on failure. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new ModeconnError('IO_ERROR', `${dir}: cannot create the output directory (${(cause as Error).message})`, { cause });
  }
}

/**
 * Writes `text` to `path` through a temp file beside it and a rename, so readers (and a run killed
 * at any instant) see the old file or the new one, never half of one.
 */
export function writeTextAtomic(path: string, text: string): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (cause) {
    rmSync(temp, { force: true });
    throw new ModeconnError('IO_ERROR', `${path}: cannot write (${(cause as Error).message})`, { cause });
  }
}

/** Writes `value` as indented JSON to `path` atomically (see writeTextAtomic). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeTextAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}
