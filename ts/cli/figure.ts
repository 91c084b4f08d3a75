/**
 * Writes a figure as <name>.svg and <name>.png. Without the font for PNG text the SVG is still
 * written; without the optional rendering packages (vega, vega-lite, @resvg/resvg-wasm) the
 * Vega-Lite spec is written as <name>.vl.json instead. Either way a warning is printed and
 * returned, so a report is never lost to a missing plot dependency.
 */
import { join } from 'node:path';
import { ModeconnError } from '../errors.js';
import { writeFileAtomic } from '../io/node-files.js';
import { renderSvg, writePlots } from '../plot/render.js';
import type { PlotSpec } from '../plot/spec.js';

/** Renders `spec` into `out` as far as the installed packages allow; returns the files and warnings. */
export async function writeFigure(spec: PlotSpec, out: string, name: string): Promise<{ files: Record<string, string>; warnings: string[] }> {
  try {
    return { files: await writePlots(spec, out, name), warnings: [] };
  } catch (error) {
    if (!(error instanceof ModeconnError)) throw error;
    let files: Record<string, string>;
    let warning: string;
    if (error.code === 'FONT_UNAVAILABLE') {
      const svg = join(out, `${name}.svg`);
      await writeFileAtomic(svg, new TextEncoder().encode(await renderSvg(spec)));
      files = { svg };
      warning = `${name}.png not written: ${error.message}`;
    } else if (error.code === 'MISSING_DEPENDENCY') {
      const vl = join(out, `${name}.vl.json`);
      await writeFileAtomic(vl, new TextEncoder().encode(`${JSON.stringify(spec, null, 2)}\n`));
      files = { spec: vl };
      warning = `${name}.svg/.png not written, the Vega-Lite spec is in ${name}.vl.json: ${error.message}`;
    } else {
      throw error;
    }
    process.stderr.write(`modeconn: warning: ${warning}\n`);
    return { files, warnings: [warning] };
  }
}
