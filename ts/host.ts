/**
 * The host contract: what the library needs from its environment (files, paths, the package's
 * assets, gzip where DecompressionStream is missing). `#host` (package.json "imports") resolves to
 * host.node.ts or host.browser.ts; only this module imports it, and only when a function runs, so
 * a browser bundle never sees a `node:` import and a Node process loads fs only when it reads a file.
 */

/** What `#host` exports. */
export interface Host {
  /** 'node' or 'browser'. */
  readonly kind: 'node' | 'browser';
  /** The whole file; ModeconnError IO_ERROR naming the path (browsers: NOT_SUPPORTED). */
  readFile(path: string): Promise<Uint8Array>;
  /** True when `path` exists (browsers: false). */
  fileExists(path: string): Promise<boolean>;
  /** Writes through a temp file beside `path` and a rename (browsers: NOT_SUPPORTED). */
  writeFileAtomic(path: string, bytes: Uint8Array): Promise<void>;
  /** Joins path segments with the host's separator. */
  joinPath(...parts: string[]): string;
  /**
   * A file of the package's `assets/` folder, or of `from` (a directory path in Node, a URL of a
   * folder in browsers) when given; DATA_UNAVAILABLE naming where it looked.
   */
  readAsset(name: string, from?: string | URL): Promise<Uint8Array>;
  /** Inflates gzip bytes (Node's zlib), for runtimes without DecompressionStream; absent in browsers. */
  gunzip?(bytes: Uint8Array, maxBytes: number): Promise<Uint8Array>;
}

let host: Promise<Host> | undefined;

/** The host module for this environment, loaded once. */
export function loadHost(): Promise<Host> {
  host ??= import('#host') as Promise<Host>;
  return host;
}
