/**
 * Node-only rendering of Vega-Lite specs (`modeconn/plot`): vega-lite compiles the spec, vega renders
 * it headless to SVG, resvg (pure WebAssembly, no native binary) rasterises the SVG to PNG with a
 * DejaVu font file (Debian's fonts-dejavu-core). The three are optional peer dependencies, imported
 * when a function runs, so installs that never render (browsers) never download them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { ModeconnError } from '../errors.js';
import type { PlotSpec } from './spec.js';

/** The optional packages rendering needs. */
export const RENDER_PACKAGES = ['vega', 'vega-lite', '@resvg/resvg-wasm'] as const;

/** `import(name)`, or MISSING_DEPENDENCY naming the packages to install when it is absent. */
async function importOptional<T>(name: (typeof RENDER_PACKAGES)[number], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    const code = (cause as { code?: string } | null)?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && !/Cannot find (module|package)/.test(String(cause))) throw cause;
    throw new ModeconnError('MISSING_DEPENDENCY', `rendering plots needs the optional package ${name}, which is not installed`, {
      advice: `npm install ${RENDER_PACKAGES.join(' ')}`,
      cause,
    });
  }
}

/** Where Debian's fonts-dejavu-core installs the default font. */
export const DEJAVU_SANS = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';

export interface RenderPngOptions {
  /** Pixels per SVG unit (default 2). */
  scale?: number;
  /** A TrueType/OpenType font file for all text (default DEJAVU_SANS, or $MODECONN_FONT). */
  fontFile?: string;
}

/** Renders a Vega-Lite spec to an SVG document (string). */
export async function renderSvg(spec: PlotSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([importOptional('vega', () => import('vega')), importOptional('vega-lite', () => import('vega-lite'))]);
  let view: InstanceType<typeof vega.View> | undefined;
  try {
    const compiled = vegaLite.compile(spec as unknown as TopLevelSpec).spec;
    view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    return await view.toSVG();
  } catch (cause) {
    throw new ModeconnError('BAD_ARGUMENT', `the plot spec does not render: ${(cause as Error).message}`, { cause });
  } finally {
    view?.finalize();
  }
}

let resvgReady: Promise<typeof import('@resvg/resvg-wasm')> | undefined;
const fonts = new Map<string, Uint8Array>();

/** The resvg module, its WebAssembly instantiated once per process. */
function loadResvg(): Promise<typeof import('@resvg/resvg-wasm')> {
  resvgReady ??= (async () => {
    const [resvg, fs, { createRequire }] = await Promise.all([importOptional('@resvg/resvg-wasm', () => import('@resvg/resvg-wasm')), import('node:fs/promises'), import('node:module')]);
    const wasmPath = createRequire(import.meta.url).resolve('@resvg/resvg-wasm/index_bg.wasm');
    await resvg.initWasm(await fs.readFile(wasmPath));
    return resvg;
  })();
  resvgReady.catch(() => {
    resvgReady = undefined;
  });
  return resvgReady;
}

/** The font bytes; FONT_UNAVAILABLE naming the Debian package when the file is missing. */
async function loadFont(file: string): Promise<Uint8Array> {
  const cached = fonts.get(file);
  if (cached) return cached;
  const fs = await import('node:fs/promises');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await fs.readFile(file));
  } catch (cause) {
    throw new ModeconnError('FONT_UNAVAILABLE', `cannot read the font ${file} that PNG plots need for their text`, {
      advice: file === DEJAVU_SANS
        ? "install Debian's fonts-dejavu-core (apt-get install -y fonts-dejavu-core), or set MODECONN_FONT to a .ttf file"
        : 'check the path, or install fonts-dejavu-core and leave the font unset',
      cause,
    });
  }
  fonts.set(file, bytes);
  return bytes;
}

/** Rasterises an SVG document (or renders a spec first) to PNG bytes on a white background. */
export async function renderPng(specOrSvg: PlotSpec | string, options: RenderPngOptions = {}): Promise<Uint8Array> {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 16)) throw new ModeconnError('BAD_ARGUMENT', `scale must be in (0, 16], got ${scale}`);
  const svg = typeof specOrSvg === 'string' ? specOrSvg : await renderSvg(specOrSvg);
  const fontFile = options.fontFile ?? process.env.MODECONN_FONT ?? DEJAVU_SANS;
  const [resvg, font] = await Promise.all([loadResvg(), loadFont(fontFile)]);
  const renderer = new resvg.Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { fontBuffers: [font], defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  try {
    const image = renderer.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    renderer.free();
  }
}

/** Writes `<dir>/<name>.svg` and `<dir>/<name>.png` (each atomically); returns their paths. */
export async function writePlots(spec: PlotSpec, dir: string, name: string, options: RenderPngOptions = {}): Promise<{ svg: string; png: string }> {
  const [{ join }, { writeFileAtomic }] = await Promise.all([import('node:path'), import('../io/node-files.js')]);
  const svg = await renderSvg(spec);
  const png = await renderPng(svg, options);
  const files = { svg: join(dir, `${name}.svg`), png: join(dir, `${name}.png`) };
  await writeFileAtomic(files.svg, new TextEncoder().encode(svg));
  await writeFileAtomic(files.png, png);
  return files;
}
