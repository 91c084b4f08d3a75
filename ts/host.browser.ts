/**
 * The browser host (`#host` under the "default" condition): no file system, so paths are refused
 * with advice; the package's assets are fetched from URLs written as `new URL('…', import.meta.url)`
 * literals, which bundlers that understand the pattern (Vite, webpack 5, Parcel) copy and rewrite.
 */
import { ModeconnError } from './errors.js';
import type { Host } from './host.js';

/** Which host this module serves. */
export const kind = 'browser';

/** Each shipped asset's URL, one literal per file so that bundlers can see and emit it. */
const ASSETS: Record<string, () => URL> = {
  'mnist-10k-images-idx3-ubyte.gz': () => new URL('../assets/mnist-10k-images-idx3-ubyte.gz', import.meta.url),
  'mnist-10k-labels-idx1-ubyte.gz': () => new URL('../assets/mnist-10k-labels-idx1-ubyte.gz', import.meta.url),
};

function noFiles(path: string): ModeconnError {
  return new ModeconnError('NOT_SUPPORTED', `${path}: reading and writing files by path needs Node`, {
    advice: 'in a browser, pass the bytes instead (parseSafetensors, parseModel, loadIdx, parseIdx) or a URL where one is taken',
  });
}

/** Host.readFile: browsers have no file paths (NOT_SUPPORTED with advice). */
export async function readFile(path: string): Promise<Uint8Array> {
  throw noFiles(path);
}

/** Host.fileExists: always false in browsers. */
export async function fileExists(): Promise<boolean> {
  return false;
}

/** Host.writeFileAtomic: NOT_SUPPORTED in browsers. */
export async function writeFileAtomic(path: string): Promise<void> {
  throw noFiles(path);
}

/** Host.joinPath. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/').replace(/([^:])\/+/g, '$1/');
}

/** Host.readAsset: fetched from the bundled asset URL, or from the folder URL `from`. */
export async function readAsset(name: string, from?: string | URL): Promise<Uint8Array> {
  const base = from === undefined ? undefined : new URL(String(from).endsWith('/') ? String(from) : `${String(from)}/`, globalThis.location?.href);
  const url = base ? new URL(name, base) : ASSETS[name]?.();
  if (!url) throw new ModeconnError('BAD_ARGUMENT', `the package has no asset ${name}`);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw unavailable(url, `the request failed (${cause instanceof Error ? cause.message : String(cause)})`, from, cause);
  }
  if (!response.ok) throw unavailable(url, `HTTP ${response.status}`, from);
  return new Uint8Array(await response.arrayBuffer());
}

function unavailable(url: URL, why: string, from: string | URL | undefined, cause?: unknown): ModeconnError {
  return new ModeconnError('DATA_UNAVAILABLE', `cannot fetch ${url.href}: ${why}`, {
    advice: from === undefined
      ? "your bundler did not copy modeconn's assets/ folder (esbuild does not follow new URL(..., import.meta.url)): serve node_modules/modeconn/assets/ and pass its URL, e.g. loadMnist({ url: '/modeconn-assets/' })"
      : 'check that the URL serves the folder holding the files',
    cause,
  });
}

({ kind, readFile, fileExists, writeFileAtomic, joinPath, readAsset }) satisfies Host;
