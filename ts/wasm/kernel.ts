/**
 * The one owner of WASM memory. It creates the memory, instantiates the core in it (with the
 * relaxed-SIMD module beside it, sharing the memory, where the engine has relaxed SIMD), allocates
 * and frees blocks, makes typed views (fresh after every possible growth), runs calls with scratch
 * buffers, checks statuses and, when the module traps, re-creates both instances so the next call
 * works. No other module reads or writes `memory.buffer`.
 */
import { ModeconnError } from '../errors.js';
import { type CoreExports, Status, describeStatus } from './abi.js';
import { chooseKernel, exactKernels, followExactKernels, type GemmKernel } from './kernel-choice.js';
import { compileCore } from './load.js';
import { FMA_PEAK_FLOPS_PER_ITER, compileRelaxed, type RelaxedExports } from './relaxed.js';

/** Initial pages of the core's imported memory: the `--initial-memory` of scripts/build-wasm.sh (2 MiB). */
export const CORE_INITIAL_PAGES = 32;

/** Options of `Core.create`. */
export interface CoreOptions {
  /** Run the simd128 kernels even where relaxed SIMD exists (default: this thread's `setExactKernels`). */
  exact?: boolean;
}

/** Typed arrays that can cross the boundary. */
export type Transferable = Float32Array | Float64Array | Uint32Array | Int32Array | Uint8Array;

/** A block of WASM memory owned by the caller until `core.free(buf)`. */
export interface Buf {
  readonly ptr: number;
  readonly length: number;
  readonly bytes: number;
  /** The instance generation it belongs to; a trap makes older buffers stale. */
  readonly generation: number;
  /** A view of part of another block (`core.region`): `free` ignores it. */
  readonly view?: true;
}

/** Scratch allocations for one call; pointers are valid only inside the call. */
export interface Scope {
  /** Copies `array` in; returns its pointer. */
  in(array: Transferable): number;
  /** Copies `array` in and back out after the call. */
  inout(array: Transferable): number;
  /** Zeroed scratch the size of `array`, copied into `array` after the call. */
  out(array: Transferable): number;
  /** A u32 array holding the given pointers (for kernels over k vectors). */
  ptrs(pointers: readonly number[]): number;
  /** After the call, copies `array.byteLength` bytes from `ptr` (inside a block of this scope) into `array`. */
  readBack(ptr: number, array: Transferable): void;
}

/** The name of an exported function of the core. */
export type ExportName = { [K in keyof CoreExports]: CoreExports[K] extends (...args: never[]) => number ? K : never }[keyof CoreExports];

/** The argument list of export `K`, as ts/wasm/abi.ts declares it: a wrong count is a compile error. */
export type ExportArgs<K extends ExportName> = Parameters<CoreExports[K]>;

interface Block { ptr: number; bytes: number }

/** An instantiated core with its memory. Get one with `getCore()` or `Core.create()`. */
export class Core {
  #module: WebAssembly.Module;
  #relaxedModule: WebAssembly.Module | null;
  #memory!: WebAssembly.Memory;
  #exports!: CoreExports;
  #relaxed: RelaxedExports | null = null;
  #kernel: GemmKernel;
  #generation = 0;
  /** Bytes currently allocated through `allocF32`/`allocU32` (not scratch). */
  #liveBytes = 0;

  private constructor(module: WebAssembly.Module, relaxedModule: WebAssembly.Module | null, kernel: GemmKernel) {
    this.#module = module;
    this.#relaxedModule = relaxedModule;
    this.#kernel = kernel;
    this.#instantiate();
  }

  /** A new, independent instance (its own memory). */
  static async create(options: CoreOptions = {}): Promise<Core> {
    const [module, relaxed] = await Promise.all([compileCore(), compileRelaxed()]);
    return new Core(module, relaxed, chooseKernel(options.exact ?? exactKernels()));
  }

  /** The GEMM micro-kernel this core runs (see `setExactKernels`). */
  get kernel(): GemmKernel {
    return this.#kernel;
  }

  /** Switches to the simd128 kernels (`true`) or back to relaxed SIMD where the engine has it. */
  setExact(exact: boolean): void {
    this.#kernel = this.#relaxed ? chooseKernel(exact) : 'simd128';
    this.#check('gemm_set_kernel', this.#exports.gemm_set_kernel(this.#kernel === 'relaxed' ? 1 : 0));
  }

  /** Runs the core's register-only simd128 multiply-add loop `iters` rounds (the ceiling a GEMM is measured against). */
  simdPeak(iters: number, out: Buf): void {
    this.invokeChecked('simd_peak', iters, out.ptr);
  }

  /** C = op(A)·op(B) on resident buffers, no bias, no copies (what a benchmark times). */
  gemmResident(shape: { transA: boolean; transB: boolean; m: number; n: number; k: number }, a: Buf, b: Buf, c: Buf): void {
    this.invokeChecked('gemm_f32', shape.transA ? 1 : 0, shape.transB ? 1 : 0, shape.m, shape.n, shape.k, a.ptr, b.ptr, 0, 0, 0, 0, c.ptr);
  }

  /**
   * Runs the relaxed module's register-only FMA loop `iters` rounds and returns its FLOPs
   * (`FMA_PEAK_FLOPS_PER_ITER` a round), or null where the engine has no relaxed SIMD.
   */
  fmaPeak(iters: number): number | null {
    if (!this.#relaxed) return null;
    this.#relaxed.fma_peak(iters, 0.5);
    return iters * FMA_PEAK_FLOPS_PER_ITER;
  }

  /** Times the instance has been re-created after a trap. */
  get generation(): number {
    return this.#generation;
  }

  /** Bytes of long-lived buffers currently allocated. */
  get liveBytes(): number {
    return this.#liveBytes;
  }

  /** Bytes of linear memory (grows, never shrinks). */
  get memoryBytes(): number {
    return this.#memory.buffer.byteLength;
  }

  #instantiate(): void {
    this.#memory = new WebAssembly.Memory({ initial: CORE_INITIAL_PAGES });
    const env = { memory: this.#memory };
    this.#relaxed = this.#relaxedModule ? (new WebAssembly.Instance(this.#relaxedModule, { env }).exports as unknown as RelaxedExports) : null;
    // Without relaxed SIMD the import is never called (gemm_set_kernel(1) is never sent), but the
    // core must link: a stand-in that fails loudly if that ever changes.
    const gemmTile = this.#relaxed?.gemm_tile ?? (() => {
      throw new ModeconnError('WASM_STATUS', 'the relaxed GEMM tile was called on an engine without relaxed SIMD');
    });
    const instance = new WebAssembly.Instance(this.#module, { env, relaxed: { gemm_tile: gemmTile } });
    this.#exports = instance.exports as unknown as CoreExports;
    this.#liveBytes = 0;
    this.setExact(this.#kernel !== 'relaxed');
  }

  /** A block of `bytes`, zeroed unless `uninit` (for blocks the caller overwrites at once). */
  #alloc(bytes: number, uninit = false): number {
    if (bytes === 0) return 0;
    const ptr = uninit ? this.#exports.mem_alloc_uninit(bytes) : this.#exports.mem_alloc(bytes);
    if (ptr === 0) {
      throw new ModeconnError('OUT_OF_MEMORY', `cannot allocate ${bytes} bytes of WASM memory`, {
        advice: 'release handles you no longer need or use smaller batches',
      });
    }
    return ptr;
  }

  #bytes(ptr: number, bytes: number): Uint8Array {
    return new Uint8Array(this.#memory.buffer, ptr, bytes);
  }

  /** Runs `body` against the exports; a trap re-creates the instance and throws WASM_TRAP. */
  #guard<T>(what: string, body: (exports: CoreExports) => T): T {
    try {
      return body(this.#exports);
    } catch (cause) {
      // RangeError covers stack exhaustion inside WASM, which leaves the shadow stack pointer wrong.
      if (cause instanceof WebAssembly.RuntimeError || cause instanceof RangeError) {
        this.#generation += 1;
        this.#instantiate();
        throw new ModeconnError('WASM_TRAP', `the WASM core trapped in ${what}: ${(cause as Error).message}`, {
          advice: 'the instance was re-created; buffers allocated before the trap are gone',
          cause,
        });
      }
      throw cause;
    }
  }

  #check(name: string, status: number): void {
    if (status !== Status.OK) {
      throw new ModeconnError('WASM_STATUS', `${name} failed with status ${status}: ${describeStatus(status)}`);
    }
  }

  /**
   * Calls export `name` with scratch copies of typed arrays: `args` receives a scope, allocates
   * through it and returns the argument list. Outputs are copied back, scratch is freed, a
   * non-zero status throws WASM_STATUS.
   */
  call<K extends ExportName>(name: K, args: (scope: Scope) => ExportArgs<K>): void {
    const blocks: Block[] = [];
    const copyBack: { ptr: number; array: Transferable }[] = [];
    const place = (array: Transferable, copyIn: boolean): number => {
      const ptr = this.#alloc(array.byteLength, copyIn);
      if (ptr === 0) return 0;
      blocks.push({ ptr, bytes: array.byteLength });
      if (copyIn) this.#bytes(ptr, array.byteLength).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
      return ptr;
    };
    const scope: Scope = {
      in: (array) => place(array, true),
      inout: (array) => {
        const ptr = place(array, true);
        copyBack.push({ ptr, array });
        return ptr;
      },
      out: (array) => {
        const ptr = place(array, false);
        copyBack.push({ ptr, array });
        return ptr;
      },
      ptrs: (pointers) => place(Uint32Array.from(pointers), true),
      readBack: (ptr, array) => {
        if (!blocks.some((b) => ptr >= b.ptr && ptr + array.byteLength <= b.ptr + b.bytes)) {
          throw new ModeconnError('BAD_ARGUMENT', `readBack: ${array.byteLength} bytes at ${ptr} are not inside a block of this call`);
        }
        copyBack.push({ ptr, array });
      },
    };
    const generation = this.#generation;
    try {
      const status = this.#guard(name, (exports) => {
        const fn = exports[name] as (...a: number[]) => number;
        return fn(...(args(scope) as number[]));
      });
      this.#check(name, status);
      for (const { ptr, array } of copyBack) {
        if (ptr !== 0) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(this.#bytes(ptr, array.byteLength));
      }
    } finally {
      if (generation === this.#generation) for (const b of blocks) this.#exports.mem_free(b.ptr, b.bytes);
    }
  }

  /** Calls an export with plain numbers (pointers from `alloc*`); returns its status. */
  invoke<K extends ExportName>(name: K, ...args: ExportArgs<K>): number {
    return this.#guard(name, (exports) => (exports[name] as (...a: number[]) => number)(...args));
  }

  /** Like `invoke`, but a non-zero status throws WASM_STATUS. */
  invokeChecked<K extends ExportName>(name: K, ...args: ExportArgs<K>): void {
    this.#check(name, this.invoke(name, ...args));
  }

  /** Test hook: a WASM trap (`unreachable`), which re-creates the instance and throws WASM_TRAP. */
  debugTrap(): void {
    this.invokeChecked('debug_trap');
  }

  /** A long-lived block of `length` f32 values (zeroed). Free it with `free`. */
  allocF32(length: number): Buf {
    return this.#allocBuf(length);
  }

  /** A long-lived block of `length` u32 values (zeroed). Free it with `free`. */
  allocU32(length: number): Buf {
    return this.#allocBuf(length);
  }

  #allocBuf(length: number): Buf {
    if (!Number.isInteger(length) || length < 0) {
      throw new ModeconnError('BAD_ARGUMENT', `buffer length must be a non-negative integer, got ${length}`);
    }
    const bytes = length * 4;
    const ptr = this.#alloc(bytes);
    this.#liveBytes += bytes;
    return { ptr, length, bytes, generation: this.#generation };
  }

  #live(buf: Buf): void {
    if (buf.generation !== this.#generation) {
      throw new ModeconnError('STALE_HANDLE', 'this buffer belonged to a WASM instance that trapped and was re-created');
    }
  }

  /** A Float32Array view of `buf`; take a new one after any allocation (memory may grow). */
  f32(buf: Buf): Float32Array {
    this.#live(buf);
    return new Float32Array(this.#memory.buffer, buf.ptr, buf.length);
  }

  /** A view of a block from `allocF32(2·k)` as k f64 values (blocks are 16-byte aligned). */
  f64(buf: Buf): Float64Array {
    this.#live(buf);
    if (buf.length % 2 !== 0) throw new ModeconnError('BAD_ARGUMENT', `an f64 view needs an even number of f32 slots, got ${buf.length}`);
    return new Float64Array(this.#memory.buffer, buf.ptr, buf.length / 2);
  }

  /** A Uint32Array view of `buf`; take a new one after any allocation. */
  u32(buf: Buf): Uint32Array {
    this.#live(buf);
    return new Uint32Array(this.#memory.buffer, buf.ptr, buf.length);
  }

  /**
   * Values [start, start + length) of `buf` as a block of their own, for the vector kernels to work on
   * part of a vector (a worker's slice of θ). It lives as long as `buf`; `free` ignores it.
   */
  region(buf: Buf, start: number, length: number): Buf {
    this.#live(buf);
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > buf.length) {
      throw new ModeconnError('BAD_ARGUMENT', `region ${start} .. ${start + length} is not inside a block of ${buf.length} values`);
    }
    return { ptr: buf.ptr + 4 * start, length, bytes: 4 * length, generation: buf.generation, view: true };
  }

  /** Releases `buf`. Stale buffers (from before a trap) and views are ignored. */
  free(buf: Buf): void {
    if (buf.generation !== this.#generation || buf.ptr === 0 || buf.view) return;
    this.#exports.mem_free(buf.ptr, buf.bytes);
    this.#liveBytes -= buf.bytes;
  }
}

let shared: Promise<Core> | null = null;

/** The shared core of this thread (each worker has its own); it follows `setExactKernels`. */
export function getCore(): Promise<Core> {
  shared ??= Core.create().then(
    (core) => {
      core.setExact(exactKernels());
      followExactKernels((exact) => core.setExact(exact));
      return core;
    },
    (error: unknown) => {
      shared = null;
      throw error;
    },
  );
  return shared;
}
