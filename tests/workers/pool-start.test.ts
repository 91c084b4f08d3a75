// Starting a pool from the built package: `workerUrl` names the worker script for hosts that do not
// find it; a script that cannot load rejects createPool with WORKER_LOAD naming its URL (and no
// claim that a pool "stays usable"), and a pool on an explicit URL computes what the default one does.
import { describe, expect, it } from 'vitest';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lib from 'modeconn';

const workerFile = fileURLToPath(new URL('../../dist/worker.js', import.meta.url));

describe('createPool start-up (dist/, worker_threads)', () => {
  it('rejects with WORKER_LOAD naming the script when it cannot be loaded', async () => {
    const error = await lib.createPool({ workers: 2, workerUrl: '/nonexistent/modeconn/worker.js' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(lib.ModeconnError);
    const e = error as lib.ModeconnError;
    expect(e.code).toBe('WORKER_LOAD');
    expect(e.message).toContain('file:///nonexistent/modeconn/worker.js');
    expect(e.message).toContain('workerUrl');
    expect(e.message).not.toContain('stays usable');
    expect(e.message).not.toContain('data:text');
  });

  it('runs on a script given as a path or a file URL, with the default pool\'s results', async () => {
    const data = lib.gaussianBlobs({ n: 300, classes: 3, dims: 5, seed: 2 });
    const arch = lib.mlp({ input: 5, hidden: [7], classes: 3 });
    const params = lib.initParams(lib.compileArch(arch), { seed: 3 });
    const results: number[][] = [];
    for (const workerUrl of [undefined, workerFile, pathToFileURL(workerFile)]) {
      const pool = await lib.createPool({ workers: 2, workerUrl });
      try {
        const [[result]] = await pool.evaluate(arch, [params], [data], { batchSize: 64 });
        results.push(Array.from(result.losses));
      } finally {
        await pool.close();
      }
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });
});
