//! Vector ops on flat parameter vectors: axpy, scale, linear blends θ = Σ_j c_j θ_j, and
//! reductions (dot, l2 norm, max-abs, squared distance).
//!
//! Elementwise ops are f32 in a fixed order. Reductions accumulate in f64 over four interleaved
//! lanes (element i goes to lane i mod 4), combined as (l0 + l1) + (l2 + l3): the order the wasm
//! simd128 path uses and the TS twin reproduces bit for bit, for any length.

/// `y += a·x`.
pub fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `x *= a`.
pub fn scale(a: f32, x: &mut [f32]) {
    for xi in x.iter_mut() {
        *xi *= a;
    }
}

/// `out = Σ_j coeffs[j]·thetas[j]`, summed j = 0, 1, …, k−1 in f32; `out = 0` when k = 0.
pub fn blend(coeffs: &[f32], thetas: &[&[f32]], out: &mut [f32]) {
    match thetas.first() {
        None => out.iter_mut().for_each(|o| *o = 0.0),
        Some(t0) => {
            let c0 = coeffs[0];
            for (o, &x) in out.iter_mut().zip(t0.iter()) {
                *o = c0 * x;
            }
            for (&c, t) in coeffs.iter().zip(thetas).skip(1) {
                axpy(c, t, out);
            }
        }
    }
}

/// Combines the four lane sums in the fixed order.
#[inline]
fn combine(l: [f64; 4]) -> f64 {
    (l[0] + l[1]) + (l[2] + l[3])
}

/// Adds `term(i)` for `start ≤ i < n` to lane i mod 4 (`start` a multiple of 4).
#[inline(always)]
fn lanes_sum<F: Fn(usize) -> f64>(mut l: [f64; 4], start: usize, n: usize, term: F) -> [f64; 4] {
    let mut i = start;
    while i + 4 <= n {
        l[0] += term(i);
        l[1] += term(i + 1);
        l[2] += term(i + 2);
        l[3] += term(i + 3);
        i += 4;
    }
    let mut j = 0;
    while i < n {
        l[j] += term(i);
        i += 1;
        j += 1;
    }
    l
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm {
    //! simd128 lane sums: two f64x2 accumulators hold lanes (0, 1) and (2, 3).
    use core::arch::wasm32::*;

    /// Lane sums of `f(x_i, y_i)` (f64x2 in, f64x2 out) over the first `4·⌊n/4⌋` elements.
    #[inline(always)]
    pub fn lanes2<F: Fn(v128, v128) -> v128>(x: &[f32], y: &[f32], f: F) -> [f64; 4] {
        let n = x.len().min(y.len()) / 4 * 4;
        let mut a01 = f64x2_splat(0.0);
        let mut a23 = f64x2_splat(0.0);
        let mut i = 0;
        while i < n {
            // SAFETY: i + 4 ≤ n ≤ the length of both slices; v128_load accepts unaligned addresses.
            let (vx, vy) = unsafe {
                let px = x.as_ptr().add(i) as *const v128;
                let py = y.as_ptr().add(i) as *const v128;
                (v128_load(px), v128_load(py))
            };
            let xhi = i32x4_shuffle::<2, 3, 2, 3>(vx, vx);
            let yhi = i32x4_shuffle::<2, 3, 2, 3>(vy, vy);
            let lo = f(f64x2_promote_low_f32x4(vx), f64x2_promote_low_f32x4(vy));
            let hi = f(f64x2_promote_low_f32x4(xhi), f64x2_promote_low_f32x4(yhi));
            a01 = f64x2_add(a01, lo);
            a23 = f64x2_add(a23, hi);
            i += 4;
        }
        [f64x2_extract_lane::<0>(a01), f64x2_extract_lane::<1>(a01), f64x2_extract_lane::<0>(a23), f64x2_extract_lane::<1>(a23)]
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
macro_rules! reduce {
    ($x:expr, $y:expr, |$a:ident, $b:ident| $simd:expr, |$p:ident, $q:ident| $scalar:expr) => {{
        use core::arch::wasm32::*;
        let (x, y) = ($x, $y);
        let n = x.len().min(y.len());
        let body = n / 4 * 4;
        let l = wasm::lanes2(&x[..body], &y[..body], |$a: v128, $b: v128| $simd);
        combine(lanes_sum(l, body, n, |i| {
            let ($p, $q) = (x[i] as f64, y[i] as f64);
            $scalar
        }))
    }};
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
macro_rules! reduce {
    ($x:expr, $y:expr, |$a:ident, $b:ident| $simd:expr, |$p:ident, $q:ident| $scalar:expr) => {{
        let (x, y) = ($x, $y);
        let n = x.len().min(y.len());
        combine(lanes_sum([0.0; 4], 0, n, |i| {
            let ($p, $q) = (x[i] as f64, y[i] as f64);
            $scalar
        }))
    }};
}

/// `Σ x_i·y_i` in f64 (each product is exact in f64).
pub fn dot(x: &[f32], y: &[f32]) -> f64 {
    reduce!(x, y, |a, b| f64x2_mul(a, b), |p, q| p * q)
}

/// `sqrt(Σ x_i²)` in f64.
pub fn norm2(x: &[f32]) -> f64 {
    dot(x, x).sqrt()
}

/// `Σ (x_i − y_i)²` in f64 (the difference is taken in f64).
pub fn dist2(x: &[f32], y: &[f32]) -> f64 {
    reduce!(
        x,
        y,
        |a, b| {
            let d = f64x2_sub(a, b);
            f64x2_mul(d, d)
        },
        |p, q| {
            let d = p - q;
            d * d
        }
    )
}

/// `max_i |x_i|` (0 for an empty vector, NaN if any element is NaN).
pub fn maxabs(x: &[f32]) -> f64 {
    let mut m = 0.0f32;
    let mut nan = false;
    for &v in x {
        let a = v.abs();
        nan |= a.is_nan();
        m = if a > m { a } else { m };
    }
    if nan {
        f64::NAN
    } else {
        m as f64
    }
}
