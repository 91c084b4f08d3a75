//! `SimdF64`: two f64 lanes with two u64 index lanes beside them, the vocabulary of the assignment
//! solver's row scans (hungarian/scans.rs); implemented by the scalar twin and by simd128.

use super::Scalar;
#[cfg(target_arch = "wasm32")]
use super::Wasm128;

/// Two f64 lanes, two u64 index lanes beside them, and per-lane masks: what a scan needs to keep
/// a minimum together with the index where it was found. Masks come from comparisons (all bits of
/// a lane set or clear), so `select` picks whole lanes.
pub trait SimdF64 {
    /// Two f64 lanes.
    type V: Copy;
    /// Two u64 lanes (indices).
    type I: Copy;
    /// A per-lane mask.
    type M: Copy;

    /// All lanes `x`.
    fn splat(x: f64) -> Self::V;
    /// All index lanes `x`.
    fn splat_index(x: u64) -> Self::I;
    /// The index lanes `[a, b]`.
    fn indices(a: u64, b: u64) -> Self::I;
    /// A mask with no lane set.
    fn no_lanes() -> Self::M;
    /// Lane-wise `a + b`.
    fn add(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `a − b`.
    fn sub(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `−a` (the sign bit flipped).
    fn neg(a: Self::V) -> Self::V;
    /// Lane-wise `a + b` on indices (wrapping).
    fn add_index(a: Self::I, b: Self::I) -> Self::I;
    /// Lanes where `a < b` (false with a NaN).
    fn lt(a: Self::V, b: Self::V) -> Self::M;
    /// Lanes where `a == b` (false with a NaN).
    fn eq(a: Self::V, b: Self::V) -> Self::M;
    /// Lanes where `a != b` (true with a NaN).
    fn ne(a: Self::V, b: Self::V) -> Self::M;
    /// Lanes set in `a` or `b`.
    fn or(a: Self::M, b: Self::M) -> Self::M;
    /// Whether any lane is set.
    fn any(m: Self::M) -> bool;
    /// `a` in the lanes of `m`, `b` elsewhere.
    fn select(m: Self::M, a: Self::V, b: Self::V) -> Self::V;
    /// `a` in the lanes of `m`, `b` elsewhere, on indices.
    fn select_index(m: Self::M, a: Self::I, b: Self::I) -> Self::I;
    /// The two lanes.
    fn lanes(x: Self::V) -> [f64; 2];
    /// The two index lanes.
    fn index_lanes(x: Self::I) -> [u64; 2];

    /// Loads two consecutive f64 from `p` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+2` must be readable.
    unsafe fn load(p: *const f64) -> Self::V;
    /// Stores two lanes to `p..p+2` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+2` must be writable.
    unsafe fn store(p: *mut f64, v: Self::V);
    /// Loads two consecutive u64 from `p` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+2` must be readable.
    unsafe fn load_index(p: *const u64) -> Self::I;
    /// Stores two index lanes to `p..p+2` (no alignment needed).
    ///
    /// # Safety
    /// `p..p+2` must be writable.
    unsafe fn store_index(p: *mut u64, v: Self::I);
}

impl SimdF64 for Scalar {
    type V = [f64; 2];
    type I = [u64; 2];
    type M = [bool; 2];

    #[inline(always)]
    fn splat(x: f64) -> [f64; 2] {
        [x; 2]
    }
    #[inline(always)]
    fn splat_index(x: u64) -> [u64; 2] {
        [x; 2]
    }
    #[inline(always)]
    fn indices(a: u64, b: u64) -> [u64; 2] {
        [a, b]
    }
    #[inline(always)]
    fn no_lanes() -> [bool; 2] {
        [false; 2]
    }
    #[inline(always)]
    fn add(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
        [a[0] + b[0], a[1] + b[1]]
    }
    #[inline(always)]
    fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
        [a[0] - b[0], a[1] - b[1]]
    }
    #[inline(always)]
    fn neg(a: [f64; 2]) -> [f64; 2] {
        [-a[0], -a[1]]
    }
    #[inline(always)]
    fn add_index(a: [u64; 2], b: [u64; 2]) -> [u64; 2] {
        [a[0].wrapping_add(b[0]), a[1].wrapping_add(b[1])]
    }
    #[inline(always)]
    fn lt(a: [f64; 2], b: [f64; 2]) -> [bool; 2] {
        [a[0] < b[0], a[1] < b[1]]
    }
    #[inline(always)]
    fn eq(a: [f64; 2], b: [f64; 2]) -> [bool; 2] {
        [a[0] == b[0], a[1] == b[1]]
    }
    #[inline(always)]
    fn ne(a: [f64; 2], b: [f64; 2]) -> [bool; 2] {
        [a[0] != b[0], a[1] != b[1]]
    }
    #[inline(always)]
    fn or(a: [bool; 2], b: [bool; 2]) -> [bool; 2] {
        [a[0] | b[0], a[1] | b[1]]
    }
    #[inline(always)]
    fn any(m: [bool; 2]) -> bool {
        m[0] | m[1]
    }
    #[inline(always)]
    fn select(m: [bool; 2], a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
        [if m[0] { a[0] } else { b[0] }, if m[1] { a[1] } else { b[1] }]
    }
    #[inline(always)]
    fn select_index(m: [bool; 2], a: [u64; 2], b: [u64; 2]) -> [u64; 2] {
        [if m[0] { a[0] } else { b[0] }, if m[1] { a[1] } else { b[1] }]
    }
    #[inline(always)]
    fn lanes(x: [f64; 2]) -> [f64; 2] {
        x
    }
    #[inline(always)]
    fn index_lanes(x: [u64; 2]) -> [u64; 2] {
        x
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> [f64; 2] {
        // SAFETY: the caller guarantees p..p+2 is readable; read_unaligned needs no alignment.
        unsafe { core::ptr::read_unaligned(p as *const [f64; 2]) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: [f64; 2]) {
        // SAFETY: the caller guarantees p..p+2 is writable; write_unaligned needs no alignment.
        unsafe { core::ptr::write_unaligned(p as *mut [f64; 2], v) }
    }
    #[inline(always)]
    unsafe fn load_index(p: *const u64) -> [u64; 2] {
        // SAFETY: as in `load`.
        unsafe { core::ptr::read_unaligned(p as *const [u64; 2]) }
    }
    #[inline(always)]
    unsafe fn store_index(p: *mut u64, v: [u64; 2]) {
        // SAFETY: as in `store`.
        unsafe { core::ptr::write_unaligned(p as *mut [u64; 2], v) }
    }
}

/// simd128: every vector and mask is one `v128`; `select` is `v128.bitselect`.
#[cfg(target_arch = "wasm32")]
impl SimdF64 for Wasm128 {
    type V = core::arch::wasm32::v128;
    type I = core::arch::wasm32::v128;
    type M = core::arch::wasm32::v128;

    #[inline(always)]
    fn splat(x: f64) -> Self::V {
        core::arch::wasm32::f64x2_splat(x)
    }
    #[inline(always)]
    fn splat_index(x: u64) -> Self::I {
        core::arch::wasm32::u64x2_splat(x)
    }
    #[inline(always)]
    fn indices(a: u64, b: u64) -> Self::I {
        core::arch::wasm32::u64x2(a, b)
    }
    #[inline(always)]
    fn no_lanes() -> Self::M {
        core::arch::wasm32::f64x2_splat(0.0)
    }
    #[inline(always)]
    fn add(a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::f64x2_add(a, b)
    }
    #[inline(always)]
    fn sub(a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::f64x2_sub(a, b)
    }
    #[inline(always)]
    fn neg(a: Self::V) -> Self::V {
        core::arch::wasm32::f64x2_neg(a)
    }
    #[inline(always)]
    fn add_index(a: Self::I, b: Self::I) -> Self::I {
        core::arch::wasm32::u64x2_add(a, b)
    }
    #[inline(always)]
    fn lt(a: Self::V, b: Self::V) -> Self::M {
        core::arch::wasm32::f64x2_lt(a, b)
    }
    #[inline(always)]
    fn eq(a: Self::V, b: Self::V) -> Self::M {
        core::arch::wasm32::f64x2_eq(a, b)
    }
    #[inline(always)]
    fn ne(a: Self::V, b: Self::V) -> Self::M {
        core::arch::wasm32::f64x2_ne(a, b)
    }
    #[inline(always)]
    fn or(a: Self::M, b: Self::M) -> Self::M {
        core::arch::wasm32::v128_or(a, b)
    }
    #[inline(always)]
    fn any(m: Self::M) -> bool {
        core::arch::wasm32::v128_any_true(m)
    }
    #[inline(always)]
    fn select(m: Self::M, a: Self::V, b: Self::V) -> Self::V {
        core::arch::wasm32::v128_bitselect(a, b, m)
    }
    #[inline(always)]
    fn select_index(m: Self::M, a: Self::I, b: Self::I) -> Self::I {
        core::arch::wasm32::v128_bitselect(a, b, m)
    }
    #[inline(always)]
    fn lanes(x: Self::V) -> [f64; 2] {
        use core::arch::wasm32::f64x2_extract_lane as e;
        [e::<0>(x), e::<1>(x)]
    }
    #[inline(always)]
    fn index_lanes(x: Self::I) -> [u64; 2] {
        use core::arch::wasm32::u64x2_extract_lane as e;
        [e::<0>(x), e::<1>(x)]
    }
    #[inline(always)]
    unsafe fn load(p: *const f64) -> Self::V {
        // SAFETY: the caller guarantees p..p+2 is readable; v128.load has no alignment requirement.
        unsafe { core::arch::wasm32::v128_load(p as *const Self::V) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f64, v: Self::V) {
        // SAFETY: the caller guarantees p..p+2 is writable; v128.store has no alignment requirement.
        unsafe { core::arch::wasm32::v128_store(p as *mut Self::V, v) }
    }
    #[inline(always)]
    unsafe fn load_index(p: *const u64) -> Self::I {
        // SAFETY: as in `load`.
        unsafe { core::arch::wasm32::v128_load(p as *const Self::I) }
    }
    #[inline(always)]
    unsafe fn store_index(p: *mut u64, v: Self::I) {
        // SAFETY: as in `store`.
        unsafe { core::arch::wasm32::v128_store(p as *mut Self::I, v) }
    }
}
