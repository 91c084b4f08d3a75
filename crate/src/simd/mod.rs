//! Small SIMD vocabularies with a simd128 implementation (wasm32) and a scalar twin used everywhere
//! else, so native tests exercise the same kernel code paths: `Simd`, four f32 lanes (GEMM, conv),
//! and `SimdF64`, two f64 lanes with two u64 index lanes (the assignment solver's row scans).
//! `Arch` names the implementation for the current target; kernels are written against the traits.

mod f32x4;
mod f64x2;

pub use f32x4::Simd;
pub use f64x2::SimdF64;

/// The portable twin: plain arrays (`[f32; 4]`, `[f64; 2]`), which LLVM lowers to native vectors
/// when it can.
pub struct Scalar;

/// simd128 (wasm32): one `v128` per vector and per mask.
#[cfg(target_arch = "wasm32")]
pub struct Wasm128;

/// The implementation kernels use on this target.
#[cfg(target_arch = "wasm32")]
pub type Arch = Wasm128;
/// The implementation kernels use on this target.
#[cfg(not(target_arch = "wasm32"))]
pub type Arch = Scalar;
