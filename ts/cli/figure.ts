/**
 * Writes a figure as <name>.svg and <name>.png; without the font for PNG text the SVG is still
 * written and a warning is printed and returned, so a report is never lost to a missing font.
 */
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { ModeconnError } from '../errors.js';
import { writeFileAtomic } from '../io/node-files.js';
import { renderSvg, writePlots } from '../plot/render.js';

export async function writeFigure(spec: TopLevelSpec, out: string, name: string): Promise<{ files: Record<string, string>; warnings: string[] }> {
  try {
    return { files: await writePlots(spec, out, name), warnings: [] };
  } catch (error) {
    if (!(error instanceof ModeconnError && error.code === 'FONT_UNAVAILABLE')) throw error;
    const svg = join(out, `${name}.svg`);
    await writeFileAtomic(svg, new TextEncoder().encode(await renderSvg(spec)));
    const warning = `${name}.png not written: ${error.message}`;
    process.stderr.write(`modeconn: warning: ${warning}\n`);
    return { files: { svg }, warnings: [warning] };
  }
}
