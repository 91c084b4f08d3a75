// Type tests of the public API as users get it (dist/types through the package's exports): checked by
// `npm run typecheck` (tsc over tests/); at run time expectTypeOf does nothing. A `@ts-expect-error`
// line whose error disappears fails the type check too.
import { describe, expectTypeOf, it } from 'vitest';
import type { Core } from 'modeconn';
import * as lib from 'modeconn';

describe('public types', () => {
  it('a pool is a Runner, and every long job takes one runner option', () => {
    expectTypeOf(lib.createPool).returns.resolves.toMatchTypeOf<lib.Runner>();
    expectTypeOf<lib.Pool>().toMatchTypeOf<lib.Runner>();
    expectTypeOf<lib.TrainOptions['runner']>().toEqualTypeOf<lib.Runner | undefined>();
    expectTypeOf<lib.EvaluatePathOptions['runner']>().toEqualTypeOf<lib.Runner | undefined>();
    expectTypeOf<lib.SurfaceOptions['runner']>().toEqualTypeOf<lib.Runner | undefined>();
    expectTypeOf<lib.FitCurveOptions['runner']>().toEqualTypeOf<lib.Runner | undefined>();
    expectTypeOf(lib.inlineRunner).returns.resolves.toEqualTypeOf<lib.Runner>();
    expectTypeOf<lib.SpectrumOptions['runner']>().toEqualTypeOf<lib.Runner | undefined>();
    expectTypeOf<lib.SubspaceOptions['runner']>().toEqualTypeOf<lib.Runner | undefined>();
    expectTypeOf<lib.Runner['hessianVectorProducts']>().returns.resolves.toEqualTypeOf<lib.HvpResult>();
  });

  it('models, results and reports have the documented shapes', () => {
    expectTypeOf<lib.Model['params']>().toEqualTypeOf<Float32Array>();
    expectTypeOf(lib.trainModel).returns.resolves.toMatchTypeOf<lib.Model>();
    expectTypeOf(lib.evaluateModel).returns.resolves.toEqualTypeOf<lib.EvalResult>();
    expectTypeOf<lib.EvalResult['losses']>().toEqualTypeOf<Float32Array>();
    expectTypeOf(lib.evaluatePath).returns.resolves.toEqualTypeOf<lib.PathReport>();
    expectTypeOf<lib.PathReport['sets'][string]['points'][number]>().toMatchTypeOf<{ t: number; loss: number; accuracy: number }>();
    expectTypeOf(lib.weightMatching).returns.resolves.toEqualTypeOf<lib.AlignmentResult>();
    expectTypeOf(lib.loadOnnx).returns.resolves.toEqualTypeOf<lib.Model>();
    expectTypeOf(lib.parseOnnx).returns.resolves.toEqualTypeOf<lib.Model>();
    expectTypeOf(lib.serializeOnnx).returns.resolves.toEqualTypeOf<Uint8Array>();
    expectTypeOf(lib.hessianSpectrum).returns.resolves.toEqualTypeOf<lib.SpectrumReport>();
    expectTypeOf<lib.SpectrumReport['top'][number]>().toEqualTypeOf<{ value: number; residual: number }>();
    expectTypeOf(lib.trajectoryPca).returns.toEqualTypeOf<lib.TrajectoryPca>();
    expectTypeOf(lib.intrinsicDimension).returns.resolves.toEqualTypeOf<lib.IntrinsicResult>();
  });

  it('removed options and wrong ABI calls do not compile', () => {
    // Never called: only compiled.
    const misuse = (arch: lib.Arch, data: lib.DataSet, core: Core) => {
      // @ts-expect-error: the engine option is gone; pass `runner`
      void lib.trainModel(arch, data, { seed: 1, epochs: 1, engine: undefined });
      // @ts-expect-error: the pool option is gone; pass the pool as `runner`
      void lib.evaluateMany(arch, [], data, { pool: undefined });
      // @ts-expect-error: vec_axpy takes (x, y, len, a)
      core.invokeChecked('vec_axpy', 0, 0, 4);
      // @ts-expect-error: not an export of the core
      core.invokeChecked('vec_nothing', 0);
      core.invokeChecked('vec_axpy', 0, 0, 4, 1);
    };
    expectTypeOf(misuse).toBeFunction();
  });
});
