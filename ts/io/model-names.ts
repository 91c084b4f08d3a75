/**
 * From a file's tensor names to a model's layout: the name mapping (or the map a modeconn file
 * stores), then the arch — given, stored in the metadata, or inferred — and each tensor's layout
 * name, remembering the checkpoint's name of every layout entry for writing back.
 */
import { ModeconnError } from '../errors.js';
import type { Arch } from '../model/arch.js';
import { compileArch, type CompiledArch, type LayoutEntry } from '../model/compile.js';
import { inferArch } from './infer-arch.js';
import { mapNames, type NameMapping } from './names.js';
import type { SafetensorsFile, Tensor } from './safetensors.js';

/** The metadata key under which a model file stores its arch as JSON. */
export const ARCH_METADATA_KEY = 'modeconn.arch';
/** The metadata key under which a model file stores its layout → checkpoint name map as JSON. */
export const NAMES_METADATA_KEY = 'modeconn.names';

/** The naming and arch options of model loading. */
export interface NameOptions {
  /** The architecture; wins over the file's metadata and over inference. */
  arch?: Arch;
  /** Renames the file's tensors before the arch is matched or inferred (see `mapNames`). */
  names?: NameMapping;
  /** Per-sample input shape for inference (image nets need `[c, h, w]`; default 32x32 for 3 channels, 28x28 for 1). */
  input?: readonly number[];
}

/** A file's tensors under layout names, with the arch and the checkpoint's name of each. */
export interface ResolvedNames {
  arch: Arch;
  compiled: CompiledArch;
  tensors: Map<string, Tensor>;
  /** Layout name → the file's tensor name. */
  sourceNames: Record<string, string>;
  /** True when the file has no BatchNorm `num_batches_tracked` at all (PyTorch < 0.4.1): counters read as 0. */
  countersAbsent: boolean;
}

/** The arch stored in the file's metadata, or undefined; BAD_FILE when it is there but invalid. */
export function archFromMetadata(file: SafetensorsFile): Arch | undefined {
  if (!Object.prototype.hasOwnProperty.call(file.metadata, ARCH_METADATA_KEY)) return undefined;
  try {
    const arch = JSON.parse(file.metadata[ARCH_METADATA_KEY]) as Arch;
    compileArch(arch);
    return arch;
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new ModeconnError('BAD_FILE', `${file.name}: metadata "${ARCH_METADATA_KEY}" is not a valid architecture (${why})`, {
      advice: 'pass { arch } to override it',
      cause,
    });
  }
}

function storedNames(file: SafetensorsFile): Map<string, string> | undefined {
  if (!Object.prototype.hasOwnProperty.call(file.metadata, NAMES_METADATA_KEY)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.metadata[NAMES_METADATA_KEY]);
  } catch {
    parsed = null;
  }
  if (parsed === null || typeof parsed !== 'object' || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new ModeconnError('BAD_FILE', `${file.name}: metadata "${NAMES_METADATA_KEY}" is not a JSON map of names`);
  }
  const toLayout = new Map<string, string>();
  for (const [layout, source] of Object.entries(parsed as Record<string, string>)) toLayout.set(source, layout);
  return toLayout;
}

function sameLayout(a: LayoutEntry[], b: LayoutEntry[]): boolean {
  return a.length === b.length && a.every((e, i) => e.kind === b[i].kind && e.shape.join() === b[i].shape.join());
}

/**
 * For a given arch whose layout names the file lacks: the names of an inferred arch with the same
 * layout (kinds and shapes in order), mapped by position; null when there is none.
 */
function matchGivenArch(compiled: CompiledArch, arch: Arch, canonical: Map<string, Tensor>, name: string): Map<string, string> | null {
  if (compiled.layout.every((e) => e.kind === 'counter' || canonical.has(e.name))) return null;
  try {
    const inferred = inferArch(canonical, { input: arch.input, name });
    const layout = compileArch(inferred.arch).layout;
    if (!sameLayout(compiled.layout, layout)) return null;
    const byPosition = new Map(layout.map((e, i) => [e.name, compiled.layout[i].name]));
    return new Map([...inferred.layoutNames].map(([c, l]) => [c, byPosition.get(l)!]));
  } catch {
    return null;
  }
}

const quoted = (xs: string[]) => xs.map((x) => `"${x}"`).join(', ');

/** Renames, picks the arch, and checks that the file has exactly the layout's tensors (MISSING_TENSOR / UNEXPECTED_TENSOR). */
export function resolveModelNames(file: SafetensorsFile, options: NameOptions): ResolvedNames {
  const stored = options.names ? undefined : storedNames(file);
  const toCanonical = stored
    ? new Map([...file.tensors.keys()].map((n) => [n, stored.get(n) ?? n]))
    : mapNames(file.tensors.keys(), options.names, file.name);
  const canonical = new Map<string, Tensor>();
  const sourceOf = new Map<string, string>();
  for (const [source, tensor] of file.tensors) {
    const c = toCanonical.get(source)!;
    canonical.set(c, tensor);
    sourceOf.set(c, source);
  }
  let arch: Arch;
  let layoutOf: Map<string, string> | null = null;
  const stored_ = options.arch ? undefined : archFromMetadata(file);
  if (options.arch) {
    arch = options.arch;
    layoutOf = matchGivenArch(compileArch(arch), arch, canonical, file.name);
  } else if (stored_) {
    arch = stored_;
  } else {
    const inferred = inferArch(canonical, { input: options.input, name: file.name });
    arch = inferred.arch;
    layoutOf = inferred.layoutNames;
  }
  const compiled = compileArch(arch);
  const tensors = new Map<string, Tensor>();
  const sourceNames: Record<string, string> = {};
  for (const [c, tensor] of canonical) {
    const layout = layoutOf?.get(c) ?? c;
    tensors.set(layout, tensor);
    sourceNames[layout] = sourceOf.get(c)!;
  }
  const counters = compiled.layout.filter((e) => e.kind === 'counter');
  const countersAbsent = counters.length > 0 && counters.every((e) => !tensors.has(e.name));
  const wanted = new Set(compiled.layout.filter((e) => !(countersAbsent && e.kind === 'counter')).map((e) => e.name));
  const missing = [...wanted].filter((n) => !tensors.has(n));
  const extra = [...tensors.keys()].filter((n) => !wanted.has(n)).map((n) => sourceNames[n]);
  if (missing.length > 0) {
    const also = extra.length > 0 ? `; it has unexpected ${quoted(extra)}` : '';
    throw new ModeconnError('MISSING_TENSOR', `${file.name}: missing tensor${missing.length > 1 ? 's' : ''} ${quoted(missing)}${also}`);
  }
  if (extra.length > 0) throw new ModeconnError('UNEXPECTED_TENSOR', `${file.name}: unexpected tensor${extra.length > 1 ? 's' : ''} ${quoted(extra)}`);
  return { arch, compiled, tensors, sourceNames, countersAbsent };
}
