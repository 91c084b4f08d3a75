/**
 * The exports of the core module, typed by hand with the same names and argument order as
 * crate/src/abi.rs. Pointers are byte offsets into the module's memory; every function returns a
 * status (0 = OK) unless noted.
 */

/** Status codes returned by every ABI function (crate/src/abi.rs). */
export const Status = {
  OK: 0,
  ERR_SHAPE: 1,
  ERR_ARG: 2,
  ERR_BOUNDS: 3,
  ERR_ALLOC: 4,
} as const;

/** Human-readable meaning of a status code. */
export function describeStatus(code: number): string {
  switch (code) {
    case Status.ERR_SHAPE: return 'dimensions inconsistent with each other or with a buffer length';
    case Status.ERR_ARG: return 'an argument out of its range';
    case Status.ERR_BOUNDS: return 'a pointer range null, misaligned or outside WASM memory';
    case Status.ERR_ALLOC: return 'allocation failed';
    default: return `unknown status ${code}`;
  }
}

type Ptr = number;

export interface CoreExports {
  memory: WebAssembly.Memory;
  /** Returns a 16-byte aligned zeroed block, or 0 on failure. */
  mem_alloc(bytes: number): Ptr;
  mem_free(ptr: Ptr, bytes: number): number;
  /** Executes `unreachable` (test hook for trap recovery). */
  debug_trap(): number;
}
