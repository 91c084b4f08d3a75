// The browser host module, run under Node (which has fetch): paths are refused with advice, assets
// come from a served folder (here a loopback server over assets/), and a missing one names its URL.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as browserHost from '../ts/host.browser.js';
import { MNIST_ASSETS } from '../ts/data/mnist.js';
import { serve } from './helpers/browser.js';
import { expectCodeAsync } from './io/helpers.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('host.browser', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    server = await serve(root);
  });
  afterAll(() => server?.close());

  it('refuses file paths with NOT_SUPPORTED and advice', async () => {
    const error = await expectCodeAsync(() => browserHost.readFile('/tmp/model.safetensors'), 'NOT_SUPPORTED', '/tmp/model.safetensors', 'needs Node');
    expect(error.advice).toContain('parseSafetensors');
    await expectCodeAsync(() => browserHost.writeFileAtomic('/tmp/x'), 'NOT_SUPPORTED');
    expect(await browserHost.fileExists()).toBe(false);
    expect(browserHost.joinPath('a/', '/b', 'c.gz')).toBe('a/b/c.gz');
  });

  it('fetches an asset from a folder URL (with or without the trailing slash), byte for byte', async () => {
    const expected = readFileSync(new URL(`../assets/${MNIST_ASSETS.labels}`, import.meta.url));
    for (const from of [`${server.url}/assets/`, `${server.url}/assets`, new URL(`${server.url}/assets/`)]) {
      expect(Buffer.from(await browserHost.readAsset(MNIST_ASSETS.labels, from)).equals(expected)).toBe(true);
    }
  });

  it('names the URL and the fix when the asset is not served', async () => {
    const error = await expectCodeAsync(() => browserHost.readAsset(MNIST_ASSETS.images, `${server.url}/elsewhere/`), 'DATA_UNAVAILABLE', `${server.url}/elsewhere/${MNIST_ASSETS.images}`, 'HTTP 404');
    expect(error.advice).toContain('URL');
    await expectCodeAsync(() => browserHost.readAsset('nonexistent.bin'), 'BAD_ARGUMENT', 'nonexistent.bin');
  });
});
