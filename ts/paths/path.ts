/**
 * Paths over the flat parameter vector: θ(t) = Σ_j c_j(t)·θ_j, t ∈ [0,1], with θ_0 = θ(0) and
 * θ_{k−1} = θ(1). A path is its points θ_j plus a coefficient basis c_j(t) (and dc_j/dt): hat
 * functions for the line, the polygonal chain (knots equally spaced) and waypoints (knots given),
 * Bernstein polynomials for the Bezier curve (Garipov et al. 2018). Every point has the same length.
 */
import { ModeconnError } from '../errors.js';

/** The basis of a path. */
export type PathKind = 'line' | 'polychain' | 'bezier' | 'waypoints';

/** A path θ(t), t ∈ [0,1], over flat parameter vectors. */
export interface Path {
  readonly kind: PathKind;
  /**
   * The points θ_j (k ≥ 2): Bezier control points, the chain's vertices or the waypoints. points[0]
   * is θ(0) = paramsA, points[k−1] is θ(1) = paramsB; the ones between are the *bends*.
   */
  readonly points: readonly Float32Array[];
  /** Piecewise-linear paths: the t of each point (increasing, 0 first, 1 last). Absent for Bezier. */
  readonly knots?: readonly number[];
  /** Bezier: k − 1. Piecewise-linear paths: 1. */
  readonly degree: number;
  /** c_j(t) for j = 0..k−1 (they sum to 1). */
  coefficients(t: number): Float32Array;
  /** dc_j/dt (they sum to 0); piecewise-linear paths take the right-hand segment at a knot (left at t = 1). */
  derivative(t: number): Float32Array;
}

function checkT(t: number): void {
  if (!(t >= 0 && t <= 1)) throw new ModeconnError('BAD_ARGUMENT', `t must be in [0, 1], got ${t}`);
}

function checkPoints(points: readonly Float32Array[], what: string): Float32Array[] {
  if (points.length < 2) throw new ModeconnError('BAD_ARGUMENT', `${what} needs at least 2 points, got ${points.length}`);
  const n = points[0].length;
  points.forEach((p, j) => {
    if (!(p instanceof Float32Array)) throw new ModeconnError('BAD_ARGUMENT', `${what}: point ${j} must be a Float32Array`);
    if (p.length !== n) throw new ModeconnError('BAD_SHAPE', `${what}: point ${j} has ${p.length} values, point 0 has ${n}`);
  });
  return [...points];
}

/** The segment i with knots[i] ≤ t ≤ knots[i+1] (the right-hand one at an inner knot). */
function segmentOf(knots: readonly number[], t: number): number {
  let i = 0;
  while (i < knots.length - 2 && t >= knots[i + 1]) i++;
  return i;
}

/** A piecewise-linear path through `points` at parameters `knots` (hat-function basis). */
function piecewiseLinear(kind: PathKind, points: Float32Array[], knots: number[]): Path {
  if (knots.length !== points.length) {
    throw new ModeconnError('BAD_SHAPE', `${kind}: ${knots.length} knots for ${points.length} points`);
  }
  if (knots[0] !== 0 || knots[knots.length - 1] !== 1 || knots.some((t, i) => i > 0 && !(t > knots[i - 1]))) {
    throw new ModeconnError('BAD_ARGUMENT', `${kind}: knots must increase strictly from 0 to 1, got [${knots.join(', ')}]`);
  }
  return {
    kind,
    points,
    knots,
    degree: 1,
    coefficients(t) {
      checkT(t);
      const c = new Float32Array(points.length);
      const i = segmentOf(knots, t);
      const u = (t - knots[i]) / (knots[i + 1] - knots[i]);
      c[i] = 1 - u;
      c[i + 1] = u;
      return c;
    },
    derivative(t) {
      checkT(t);
      const d = new Float32Array(points.length);
      const i = segmentOf(knots, t);
      const w = 1 / (knots[i + 1] - knots[i]);
      d[i] = -w;
      d[i + 1] = w;
      return d;
    },
  };
}

/** Binomial coefficients C(n, 0..n) in f64. */
function binomials(n: number): number[] {
  const row = [1];
  for (let j = 1; j <= n; j++) row.push((row[j - 1] * (n - j + 1)) / j);
  return row;
}

/** Bernstein values b_{j,n}(t) in f64 (0^0 = 1). */
function bernstein(n: number, t: number): number[] {
  const binom = binomials(n);
  return binom.map((b, j) => b * t ** j * (1 - t) ** (n - j));
}

/** The straight line θ(t) = (1 − t)·paramsA + t·paramsB. */
export function linearPath(paramsA: Float32Array, paramsB: Float32Array): Path {
  return piecewiseLinear('line', checkPoints([paramsA, paramsB], 'linearPath'), [0, 1]);
}

/**
 * Garipov's polygonal chain paramsA → bends[0] → … → paramsB, the k = bends + 2 vertices at t = j/(k−1).
 * With one bend: θ(t) = 2(t·θ_1 + (0.5 − t)·θ_0) on [0, 0.5], 2((t − 0.5)·θ_2 + (1 − t)·θ_1) on [0.5, 1].
 */
export function polyChain(paramsA: Float32Array, bends: readonly Float32Array[], paramsB: Float32Array): Path {
  const points = checkPoints([paramsA, ...bends, paramsB], 'polyChain');
  const k = points.length;
  return piecewiseLinear(bends.length === 0 ? 'line' : 'polychain', points, points.map((_, j) => (j === k - 1 ? 1 : j / (k - 1))));
}

/** The Bezier curve of degree k − 1 with control points `points` (paramsA first, paramsB last). */
export function bezierPath(points: readonly Float32Array[]): Path {
  const pts = checkPoints(points, 'bezierPath');
  const n = pts.length - 1;
  return {
    kind: 'bezier',
    points: pts,
    degree: n,
    coefficients(t) {
      checkT(t);
      return Float32Array.from(bernstein(n, t));
    },
    derivative(t) {
      checkT(t);
      // d/dt b_{j,n} = n·(b_{j−1,n−1} − b_{j,n−1}).
      const lower = bernstein(n - 1, t);
      return Float32Array.from({ length: n + 1 }, (_, j) => n * ((j > 0 ? lower[j - 1] : 0) - (j < n ? lower[j] : 0)));
    },
  };
}

/** Piecewise-linear path through `points` at the given increasing `ts` (0 first, 1 last). */
export function waypointPath(points: readonly Float32Array[], ts: readonly number[]): Path {
  return piecewiseLinear('waypoints', checkPoints(points, 'waypointPath'), [...ts]);
}

/** The point on the line at t, in f32: (1 − t)·paramsA + t·paramsB. */
function onLine(paramsA: Float32Array, paramsB: Float32Array, t: number): Float32Array {
  const out = new Float32Array(paramsA.length);
  for (let i = 0; i < out.length; i++) out[i] = (1 - t) * paramsA[i] + t * paramsB[i];
  return out;
}

/**
 * A Bezier curve of `degree` (default 2: one bend) whose control points start on the line at
 * t = j/degree, so it traces the line exactly until fitted (Garipov's linear initialisation).
 */
export function bezierCurve(paramsA: Float32Array, paramsB: Float32Array, { degree = 2 } = {}): Path {
  checkPoints([paramsA, paramsB], 'bezierCurve');
  if (!Number.isInteger(degree) || degree < 1) throw new ModeconnError('BAD_ARGUMENT', `degree must be a positive integer, got ${degree}`);
  const bends = Array.from({ length: degree - 1 }, (_, j) => onLine(paramsA, paramsB, (j + 1) / degree));
  return bezierPath([paramsA, ...bends, paramsB]);
}

/** A polygonal chain with `bends` (default 1) vertices placed on the line at t = j/(bends + 1). */
export function polyChainCurve(paramsA: Float32Array, paramsB: Float32Array, { bends = 1 } = {}): Path {
  checkPoints([paramsA, paramsB], 'polyChainCurve');
  if (!Number.isInteger(bends) || bends < 0) throw new ModeconnError('BAD_ARGUMENT', `bends must be a non-negative integer, got ${bends}`);
  return polyChain(paramsA, Array.from({ length: bends }, (_, j) => onLine(paramsA, paramsB, (j + 1) / (bends + 1))), paramsB);
}

/** The same basis with other points (same count and length), e.g. fitted bends. */
export function withPoints(path: Path, points: readonly Float32Array[]): Path {
  if (points.length !== path.points.length) {
    throw new ModeconnError('BAD_SHAPE', `${path.kind} has ${path.points.length} points, got ${points.length}`);
  }
  switch (path.kind) {
    case 'bezier':
      return bezierPath(points);
    case 'line':
      return linearPath(points[0], points[1]);
    default:
      return piecewiseLinear(path.kind, checkPoints(points, path.kind), [...path.knots!]);
  }
}

/** Indices of the bends (the points between the fixed endpoints). */
export function bendIndices(path: Path): number[] {
  return Array.from({ length: path.points.length - 2 }, (_, j) => j + 1);
}

/** `n` evenly spaced t's from 0 to 1 (n ≥ 2). */
export function uniformTs(n: number): number[] {
  if (!Number.isInteger(n) || n < 2) throw new ModeconnError('BAD_ARGUMENT', `points must be an integer ≥ 2, got ${n}`);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : i / (n - 1)));
}
