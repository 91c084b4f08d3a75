/** Types of simd128-digests.mjs (plain JS so scripts/make-simd128-digests.mjs can run it on dist/). */
export declare const GEMM_CASES: ReadonlyArray<Record<string, unknown>>;
/** Digests by case name of the kernels' output bits, computed with `lib` (the package or its sources). */
export declare function computeDigests(lib: typeof import('../../ts/index.js')): Promise<Record<string, string>>;
