/**
 * Typed errors: every failure the library reports is a ModeconnError with a stable `code`, a
 * message naming what was wrong (file, tensor, argument) and, where it helps, advice.
 */

/** Stable error codes; programs branch on these, never on messages. */
export type ErrorCode =
  | 'BAD_SHAPE'
  | 'BAD_ARGUMENT'
  | 'WASM_LOAD'
  | 'WASM_STATUS'
  | 'WASM_TRAP'
  | 'STALE_HANDLE'
  | 'OUT_OF_MEMORY'
  // data sets and files (IDX, safetensors)
  | 'BAD_FILE' // malformed structure: truncated, bad magic, invalid JSON, sizes that disagree
  | 'HEADER_TOO_LARGE' // a declared header above the reader's cap (it would exhaust memory)
  | 'UNKNOWN_DTYPE' // a dtype code or name the reader does not support
  | 'BAD_OFFSETS' // tensor byte ranges: out of range, overlapping, gaps, or not matching the shape
  | 'NON_FINITE' // NaN or ±Inf in a floating-point tensor
  | 'MISSING_TENSOR' // an expected tensor is absent
  | 'UNEXPECTED_TENSOR' // a tensor that was not expected is present
  | 'DATA_UNAVAILABLE' // a data set's files are not installed or not found
  | 'IO_ERROR' // the file system refused (permissions, not a file, disk full, ...)
  | 'UNSAFE_PICKLE' // a .pt pickle needs a global or opcode outside the state_dict allow-list (refused, never run)
  // models and training
  | 'EMPTY_DATA' // a data set or batch with no samples
  | 'DIVERGED' // training produced a non-finite loss
  | 'CANCELLED' // an AbortSignal stopped the work
  | 'UNKNOWN_ARCH' // a model file whose architecture is neither given, stored nor inferable
  | 'UNSUPPORTED_OP' // an ONNX node whose operator (or attributes) modeconn cannot express as a layer
  // alignment
  | 'INFEASIBLE' // an assignment problem whose every complete assignment uses a forbidden entry
  | 'NOT_SUPPORTED' // an operation that does not handle this architecture (e.g. REPAIR on residual nets)
  | 'ALIGNMENT_BROKE_FUNCTION' // a permuted model no longer computes the function of the original
  // worker pool
  | 'WORKER_CRASHED' // a worker died or trapped during a job (it was replaced; the pool stays usable)
  | 'POOL_CLOSED' // the pool was closed before or during the job
  // plots
  | 'FONT_UNAVAILABLE' // the font file PNG rendering needs is missing (Debian: fonts-dejavu-core)
  | 'MISSING_DEPENDENCY' // an optional package a feature needs is not installed (the advice names it)
  // worker start-up
  | 'WORKER_LOAD' // a pool worker's script could not be loaded (the message names its URL)
  // sharded runs (docs/CLUSTER.md)
  | 'SHARD_MISSING' // merge-shards found no part for some shard k of N (or no parts at all)
  | 'SHARD_DUPLICATE' // two part files claim the same shard k of N
  | 'SHARD_MISMATCH'; // a part from another run: its manifest hash (inputs and options) or N differs

/** The one error class of the library. */
export class ModeconnError extends Error {
  readonly code: ErrorCode;
  readonly advice?: string;

  constructor(code: ErrorCode, message: string, options: { advice?: string; cause?: unknown } = {}) {
    super(options.advice ? `${message} (${options.advice})` : message, { cause: options.cause });
    this.name = 'ModeconnError';
    this.code = code;
    this.advice = options.advice;
  }
}

/** Throws BAD_SHAPE unless `array` has exactly `expected` elements. */
export function expectLength(name: string, array: ArrayLike<number> | null | undefined, expected: number): void {
  const actual = array === null || array === undefined ? 0 : array.length;
  if (actual !== expected) {
    throw new ModeconnError('BAD_SHAPE', `${name} has ${actual} elements, expected ${expected}`);
  }
}

/** Throws BAD_ARGUMENT unless every value is a non-negative integer (dimensions, counts). */
export function expectDims(dims: Record<string, number>): void {
  for (const [name, value] of Object.entries(dims)) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new ModeconnError('BAD_ARGUMENT', `${name} must be a non-negative integer, got ${value}`);
    }
  }
}
