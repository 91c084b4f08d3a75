//! `Simd`: four f32 lanes, the vocabulary of GEMM and packing; implemented by the scalar twin
//! (`[f32; 4]`) and by simd128.

use super::Scalar;
#[cfg(target_arch = "wasm32")]
use super::Wasm128;

/// Four f32 lanes and the operations the kernels need.
pub trait Simd {
    /// One vector of four f32 lanes.
    type V: Copy;

    /// All lanes zero.
    fn zero() -> Self::V;
    /// All lanes `x`.
    fn splat(x: f32) -> Self::V;
    /// The vector with lanes `l`.
    fn from_lanes(l: [f32; 4]) -> Self::V;
    /// Lane-wise `a + b`.
    fn add(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `a * b`.
    fn mul(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise ReLU: `x < 0 ? 0 : x` (NaN passes through).
    fn relu(x: Self::V) -> Self::V;
    /// Sum of the four lanes.
    fn sum(x: Self::V) -> f32;
    /// Transposes a 4×4 block held as four rows: out[i] lane j = r[j] lane i.
    fn transpose4(r: [Self::V; 4]) -> [Self::V; 4];

    /// Loads four consecutive f32 from `p` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+4` must be readable.
    unsafe fn load(p: *const f32) -> Self::V;
    /// Loads one f32 from `p` into all four lanes.
    ///
    /// # Safety
    /// `p` must be readable.
    unsafe fn load_splat(p: *const f32) -> Self::V;
    /// Stores four lanes to `p..p+4` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+4` must be writable.
    unsafe fn store(p: *mut f32, v: Self::V);

    /// Loads `s[0..4]`; panics if `s` is shorter.
    #[inline(always)]
    fn load_slice(s: &[f32]) -> Self::V {
        assert!(s.len() >= 4);
        // SAFETY: the four lanes are inside `s` (asserted).
        unsafe { Self::load(s.as_ptr()) }
    }
    /// Stores into `s[0..4]`; panics if `s` is shorter.
    #[inline(always)]
    fn store_slice(s: &mut [f32], v: Self::V) {
        assert!(s.len() >= 4);
        // SAFETY: the four lanes are inside `s` (asserted).
        unsafe { Self::store(s.as_mut_ptr(), v) }
    }
}

impl Simd for Scalar {
    type V = [f32; 4];

    #[inline(always)]
    fn zero() -> [f32; 4] {
        [0.0; 4]
    }
    #[inline(always)]
    fn splat(x: f32) -> [f32; 4] {
        [x; 4]
    }
    #[inline(always)]
    fn from_lanes(l: [f32; 4]) -> [f32; 4] {
        l
    }
    #[inline(always)]
    fn add(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
        [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]]
    }
    #[inline(always)]
    fn mul(a: [f32; 4], b: [f32; 4]) -> [f32; 4] {
        [a[0] * b[0], a[1] * b[1], a[2] * b[2], a[3] * b[3]]
    }
    #[inline(always)]
    fn relu(x: [f32; 4]) -> [f32; 4] {
        let r = |v: f32| if v < 0.0 { 0.0 } else { v };
        [r(x[0]), r(x[1]), r(x[2]), r(x[3])]
    }
    #[inline(always)]
    fn sum(x: [f32; 4]) -> f32 {
        (x[0] + x[1]) + (x[2] + x[3])
    }
    #[inline(always)]
    fn transpose4(r: [[f32; 4]; 4]) -> [[f32; 4]; 4] {
        core::array::from_fn(|i| [r[0][i], r[1][i], r[2][i], r[3][i]])
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> [f32; 4] {
        // SAFETY: the caller guarantees p..p+4 is readable; read_unaligned needs no alignment
        // beyond f32's, which every *const f32 from a slice has.
        unsafe { core::ptr::read_unaligned(p as *const [f32; 4]) }
    }
    #[inline(always)]
    unsafe fn load_splat(p: *const f32) -> [f32; 4] {
        // SAFETY: the caller guarantees p is readable.
        unsafe { [*p; 4] }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: [f32; 4]) {
        // SAFETY: the caller guarantees p..p+4 is writable.
        unsafe { core::ptr::write_unaligned(p as *mut [f32; 4], v) }
    }
}

/// No FMA without relaxed-simd, so kernels use mul then add.
#[cfg(target_arch = "wasm32")]
impl Simd for Wasm128 {
    type V = core::arch::wasm32::v128;

    #[inline(always)]
    fn zero() -> Self::V {
        core::arch::wasm32::f32x4_splat(0.0)
    }
    #[inline(always)]
    fn splat(x: f32) -> Self::V {
        core::arch::wasm32::f32x4_splat(x)
    }
    #[inline(always)]
    fn from_lanes(l: [f32; 4]) -> Self::V {
        core::arch::wasm32::f32x4(l[0], l[1], l[2], l[3])
    }
    #[inline(always)]
    fn add(a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::f32x4_add(a, b)
    }
    #[inline(always)]
    fn mul(a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::f32x4_mul(a, b)
    }
    #[inline(always)]
    fn relu(x: Self::V) -> Self::V {
        // pmax(a, b) = a < b ? b : a: one maxps on x64, and NaN in `x` stays NaN.
        core::arch::wasm32::f32x4_pmax(x, Self::zero())
    }
    #[inline(always)]
    fn sum(x: Self::V) -> f32 {
        use core::arch::wasm32::f32x4_extract_lane as e;
        (e::<0>(x) + e::<1>(x)) + (e::<2>(x) + e::<3>(x))
    }
    #[inline(always)]
    fn transpose4(r: [Self::V; 4]) -> [Self::V; 4] {
        use core::arch::wasm32::i32x4_shuffle as sh;
        // Interleave row pairs (unpcklps/unpckhps), then join 64-bit halves (movlhps/movhlps).
        let t0 = sh::<0, 4, 1, 5>(r[0], r[1]);
        let t1 = sh::<2, 6, 3, 7>(r[0], r[1]);
        let t2 = sh::<0, 4, 1, 5>(r[2], r[3]);
        let t3 = sh::<2, 6, 3, 7>(r[2], r[3]);
        [sh::<0, 1, 4, 5>(t0, t2), sh::<2, 3, 6, 7>(t0, t2), sh::<0, 1, 4, 5>(t1, t3), sh::<2, 3, 6, 7>(t1, t3)]
    }
    #[inline(always)]
    unsafe fn load(p: *const f32) -> Self::V {
        // SAFETY: the caller guarantees p..p+4 is readable; v128.load has no alignment requirement.
        unsafe { core::arch::wasm32::v128_load(p as *const Self::V) }
    }
    #[inline(always)]
    unsafe fn load_splat(p: *const f32) -> Self::V {
        // SAFETY: the caller guarantees p is readable (one f32).
        unsafe { core::arch::wasm32::v128_load32_splat(p as *const u32) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: Self::V) {
        // SAFETY: the caller guarantees p..p+4 is writable; v128.store has no alignment requirement.
        unsafe { core::arch::wasm32::v128_store(p as *mut Self::V, v) }
    }
}
