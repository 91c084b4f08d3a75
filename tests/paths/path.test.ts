// Path algebra: endpoints, coefficients summing to 1, derivatives vs central differences, Bezier of
// degree 1 = the line, a one-bend polychain at t = 0.5 = the bend; θ(t) via the WASM blend equals the
// TS twin bit for bit; arc length of a line and of a chain.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getCore } from '../../ts/wasm/kernel.js';
import { ResidentOps } from '../../ts/wasm/resident.js';
import { wasmKernels } from '../../ts/wasm/kernels/index.js';
import { blendReference } from '../../ts/reference/blend.js';
import {
  type Path, bezierCurve, bezierPath, linearPath, polyChain, polyChainCurve, uniformTs, waypointPath, withPoints,
} from '../../ts/paths/path.js';
import { PathBlender, arcLength, pointAt } from '../../ts/paths/blender.js';
import { expectClose, randomArray } from '../helpers/close.js';

const N = 37; // not a multiple of 4: exercises the SIMD tails
const pts = (k: number, seed = 1) => Array.from({ length: k }, (_, j) => randomArray(N, seed + j));

function paths(): Path[] {
  const [a, b, c, d] = pts(4);
  return [
    linearPath(a, b),
    polyChain(a, [c], b),
    polyChain(a, [c, d], b),
    bezierPath([a, c, b]),
    bezierPath([a, c, d, b]),
    bezierPath(pts(7, 9)),
    waypointPath([a, c, d, b], [0, 0.1, 0.7, 1]),
  ];
}

/** θ(t) in f64 from the coefficients, for algebra checks independent of the kernels. */
function point(path: Path, t: number): number[] {
  const c = path.coefficients(t);
  return Array.from({ length: N }, (_, i) => path.points.reduce((s, p, j) => s + c[j] * p[i], 0));
}

describe('path algebra', () => {
  it('starts at paramsA, ends at paramsB, and coefficients sum to 1 (derivatives to 0)', () => {
    for (const path of paths()) {
      expectClose(point(path, 0), path.points[0], { rtol: 0, atol: 1e-7 });
      expectClose(point(path, 1), path.points[path.points.length - 1], { rtol: 0, atol: 1e-7 });
      fc.assert(fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (t) => {
        const sum = path.coefficients(t).reduce((a, b) => a + b, 0);
        const dsum = path.derivative(t).reduce((a, b) => a + b, 0);
        return Math.abs(sum - 1) < 1e-6 && Math.abs(dsum) < 1e-4;
      }));
    }
  });

  it('derivative matches central differences of the coefficients (away from knots)', () => {
    const h = 1e-5;
    for (const path of paths()) {
      for (const t of [0.03, 0.21, 0.33, 0.47, 0.62, 0.88, 0.97]) {
        if (path.knots?.some((k) => Math.abs(k - t) < 2 * h)) continue;
        const plus = path.coefficients(t + h);
        const minus = path.coefficients(t - h);
        const fd = Array.from(plus, (p, j) => (p - minus[j]) / (2 * h));
        // f32 coefficients: differences of values near 1 carry ~6e-8/1e-5 ≈ 1e-2 noise at most.
        expectClose(path.derivative(t), fd, { rtol: 1e-2, atol: 2e-2 });
      }
    }
  });

  it('Bezier of degree 1 is the line; bezierCurve and polyChainCurve start on the line', () => {
    const [a, b] = pts(2);
    const line = linearPath(a, b);
    for (const t of uniformTs(11)) {
      expect(Array.from(bezierPath([a, b]).coefficients(t))).toEqual(Array.from(line.coefficients(t)));
      expectClose(point(bezierCurve(a, b, { degree: 3 }), t), point(line, t), { rtol: 1e-5, atol: 1e-6 });
      expectClose(point(polyChainCurve(a, b, { bends: 2 }), t), point(line, t), { rtol: 1e-5, atol: 1e-6 });
    }
  });

  it('a polychain with one bend passes through the bend at t = 0.5, and has kinks with the right slopes', () => {
    const [a, b, c] = pts(3);
    const chain = polyChain(a, [c], b);
    expect(Array.from(chain.coefficients(0.5))).toEqual([0, 1, 0]);
    expect(Array.from(chain.coefficients(0.25))).toEqual([0.5, 0.5, 0]);
    expect(Array.from(chain.derivative(0.25))).toEqual([-2, 2, 0]);
    expect(Array.from(chain.derivative(0.75))).toEqual([0, -2, 2]);
    const w = waypointPath([a, c, b], [0, 0.2, 1]);
    expect(Array.from(w.coefficients(0.2))).toEqual([0, 1, 0]);
    expect(Array.from(w.coefficients(0.6))).toEqual([0, 0.5, 0.5]);
  });

  it('Bezier with one bend: c(t) = ((1−t)², 2t(1−t), t²)', () => {
    const path = bezierPath(pts(3));
    for (const t of [0, 0.3, 0.5, 1]) {
      expectClose(path.coefficients(t), [(1 - t) ** 2, 2 * t * (1 - t), t ** 2], { rtol: 1e-6, atol: 1e-7 });
      expectClose(path.derivative(t), [-2 * (1 - t), 2 - 4 * t, 2 * t], { rtol: 1e-6, atol: 1e-6 });
    }
  });

  it('rejects bad input with typed errors', () => {
    const [a, b] = pts(2);
    expect(() => linearPath(a, new Float32Array(3))).toThrow(expect.objectContaining({ code: 'BAD_SHAPE' }));
    expect(() => bezierPath([a])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => waypointPath([a, b], [0, 0.5])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => linearPath(a, b).coefficients(1.5)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => withPoints(bezierPath([a, a, b]), [a, b])).toThrow(expect.objectContaining({ code: 'BAD_SHAPE' }));
  });
});

describe('blending θ(t)', async () => {
  const core = await getCore();
  const wasm = wasmKernels(core);

  it('one WASM vec_blend equals the TS twin bit for bit, resident or copied', () => {
    for (const path of paths()) {
      const blender = new PathBlender(new ResidentOps(core), path);
      try {
        for (const t of [0, 0.13, 0.5, 0.77, 1]) {
          const twin = pointAt(path, t, blendReference);
          expect(Array.from(pointAt(path, t, wasm))).toEqual(Array.from(twin));
          expect(Array.from(blender.blend(t))).toEqual(Array.from(twin));
          expectClose(twin, point(path, t), { rtol: 1e-5, atol: 1e-6 });
        }
      } finally {
        blender.free();
      }
    }
  });

  it('arc length: the line is ‖B − A‖ on any grid; a chain adds its two legs', () => {
    const [a, b, c] = pts(3);
    const dist = (x: Float32Array, y: Float32Array) => Math.sqrt(x.reduce((s, v, i) => s + (v - y[i]) ** 2, 0));
    const d = arcLength(new ResidentOps(core), linearPath(a, b), uniformTs(9));
    expect(d[0]).toBe(0);
    expect(d).toHaveLength(9);
    expect(d[8]).toBeCloseTo(dist(a, b), 4);
    const chain = arcLength(new ResidentOps(core), polyChain(a, [c], b), uniformTs(5));
    expect(chain[2]).toBeCloseTo(dist(a, c), 4);
    expect(chain[4]).toBeCloseTo(dist(a, c) + dist(c, b), 4);
    // A prefix leaves the tail out.
    expect(arcLength(new ResidentOps(core), linearPath(a, b), [0, 1], 10)[1]).toBeCloseTo(dist(a.subarray(0, 10), b.subarray(0, 10)), 5);
    expect(core.liveBytes).toBe(0);
  });
});
