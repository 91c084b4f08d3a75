/**
 * Compiles the bundled core binary. Rollup's wasm plugin inlines the bytes (base64), so the same
 * code compiles it in Node, in a browser and inside workers, with no file paths to configure.
 * `setCoreSource` is the escape hatch for hosts that forbid inline compilation.
 */
import compileBundled from './modeconn_core.wasm';
import { ModeconnError } from '../errors.js';

/**
 * A compiled `WebAssembly.Module`. TypeScript's own type for it is an empty interface in the DOM
 * library; `object` says the same without requiring that library of Node users.
 */
export type CompiledModule = object;

let source: WebAssembly.Module | BufferSource | null = null;
let compiled: Promise<WebAssembly.Module> | null = null;

/** Use these bytes (or this compiled module) instead of the bundled binary; call before loading. */
export function setCoreSource(bytesOrModule: CompiledModule | ArrayBuffer | ArrayBufferView): void {
  source = bytesOrModule;
  compiled = null;
}

/** The compiled core module (compiled once, then cached). */
export function compileCore(): Promise<CompiledModule> {
  compiled ??= compile().catch((cause: unknown) => {
    compiled = null;
    throw new ModeconnError('WASM_LOAD', `cannot compile the modeconn core: ${String(cause)}`, {
      advice: 'the host needs WebAssembly with SIMD (Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)',
      cause,
    });
  });
  return compiled;
}

async function compile(): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (source) return WebAssembly.compile(source);
  return compileBundled() as Promise<WebAssembly.Module>;
}
