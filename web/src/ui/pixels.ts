/** Pixels to an image URL: RGBA bytes through a canvas into a PNG data URL (for Vega image marks and <img>). */

/** A PNG data URL of `width` × `rows` RGBA pixels (square by default). */
export function pixelsToUrl(rgba: Uint8ClampedArray<ArrayBuffer>, width: number, rows = width): string {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = rows;
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, rows), 0, 0);
  return canvas.toDataURL('image/png');
}
