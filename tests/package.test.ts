// The package as users receive it: the built dist/ through the package's own `exports` map.
import { describe, expect, it } from 'vitest';

describe('built package (dist/ via exports)', () => {
  it('loads the inlined core and exposes the kernels and the twin', async () => {
    const lib = await import('modeconn');
    const reference = await import('modeconn/reference');
    const core = await lib.getCore();
    const kernels = lib.wasmKernels(core);
    expect(Object.keys(kernels).sort()).toEqual(Object.keys(reference.referenceKernels).sort());
    const buf = core.allocF32(8);
    expect(core.f32(buf).length).toBe(8);
    core.free(buf);
  });
});
