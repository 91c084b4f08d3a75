// Screenshots of every panel of the lab at desktop (1280 px) and phone (375 px) widths into
// docs/lab/, and the seconds each panel took with the default settings on a pool of 2 workers.
// Usage: npm run build:web && npm run lab:screenshots   (needs Debian's chromium)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import * as lib from '../dist/index.js';
import { serveDir } from './serve-web.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'docs/lab');
const WIDTHS = { desktop: 1280, phone: 375 };
// Which panels each source is pictured by (section ids of web/index.html).
const SHOTS = { play: ['setup', 'paths', 'plane', 'symmetry'], digits: ['paths', 'plane'], own: ['setup', 'paths'] };

/** Two small digit MLPs as PyTorch-named safetensors files (for "your models"). */
async function modelFiles(dir) {
  const train = await lib.loadMnist({ split: 'train' });
  const arch = lib.mlp({ input: 784, hidden: [64], classes: 10 });
  return Promise.all([1, 2].map(async (seed) => {
    const model = await lib.trainModel(arch, train, { seed, epochs: 3, batchSize: 64 });
    const file = join(dir, `model-${'ab'[seed - 1]}.safetensors`);
    writeFileSync(file, lib.serializeSafetensors(lib.modelToTensors(model)));
    return file;
  }));
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--force-color-profile=srgb'],
});
const server = await serveDir(join(root, 'dist-web'));
const tmp = mkdtempSync(join(tmpdir(), 'modeconn-shots-'));
const files = await modelFiles(tmp);
mkdirSync(out, { recursive: true });
const timings = {};
try {
  for (const [src, panels] of Object.entries(SHOTS)) {
    for (const [label, width] of Object.entries(WIDTHS)) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.addInitScript(() => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => 2 }));
      await page.goto(`${server.url}${src === 'play' ? '' : `?src=${src}`}`);
      if (src === 'own') {
        await page.waitForFunction(() => window.lab?.status === 'idle');
        await page.locator('#files').setInputFiles(files);
      }
      await page.waitForFunction(() => window.lab?.runs > 0 && (window.lab.status === 'done' || window.lab.status === 'error'), undefined, { timeout: 300_000 });
      const lab = await page.evaluate(() => ({ status: window.lab.status, error: window.lab.error, timings: window.lab.timings }));
      if (lab.status !== 'done') throw new Error(`${src} ${label}: ${JSON.stringify(lab.error)}`);
      if (label === 'desktop') timings[src] = lab.timings;
      for (const panel of panels) {
        await page.locator(`#${panel}`).screenshot({ path: join(out, `${src}-${panel}-${label}.png`) });
      }
      console.log(`${src} ${label}: ${Object.entries(lab.timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ')}`);
      await page.close();
    }
  }
  writeFileSync(join(out, 'timings.json'), `${JSON.stringify({ workers: 2, cores: (await import('node:os')).availableParallelism(), seconds: timings }, null, 1)}\n`);
} finally {
  await browser.close();
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
}
