/** Builds IDX files in tests: magic, big-endian dims, big-endian data. */
import { gzipSync } from 'node:zlib';

const CODES = { u8: 0x08, i8: 0x09, i16: 0x0b, i32: 0x0c, f32: 0x0d, f64: 0x0e } as const;
const SIZES = { u8: 1, i8: 1, i16: 2, i32: 4, f32: 4, f64: 8 } as const;

/** An uncompressed IDX file of `dtype` with `dims` and row-major `values`. */
export function makeIdx(dtype: keyof typeof CODES, dims: number[], values: ArrayLike<number>): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + values.length * SIZES[dtype]);
  const view = new DataView(out.buffer);
  out[2] = CODES[dtype];
  out[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d, false));
  for (let i = 0; i < values.length; i++) {
    const at = header + i * SIZES[dtype];
    const v = values[i];
    if (dtype === 'u8') view.setUint8(at, v);
    if (dtype === 'i8') view.setInt8(at, v);
    if (dtype === 'i16') view.setInt16(at, v, false);
    if (dtype === 'i32') view.setInt32(at, v, false);
    if (dtype === 'f32') view.setFloat32(at, v, false);
    if (dtype === 'f64') view.setFloat64(at, v, false);
  }
  return out;
}

/** gzip-compressed bytes. */
export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes));
}

/** A small MNIST-like pair: n images of h×w u8 pixels (pixel = (7i + k) mod 256) and labels i mod classes. */
export function makeImagesAndLabels(n: number, h: number, w: number, classes: number): { images: Uint8Array; labels: Uint8Array; pixels: Uint8Array; y: number[] } {
  const pixels = Uint8Array.from({ length: n * h * w }, (_, k) => (7 * Math.floor(k / (h * w)) + k) % 256);
  const y = Array.from({ length: n }, (_, i) => i % classes);
  return { images: makeIdx('u8', [n, h, w], pixels), labels: makeIdx('u8', [n], y), pixels, y };
}
