//! modeconn-core: the hot loops of modeconn (GEMM, conv, pooling, BatchNorm, losses, optimisers,
//! blends, PRNG, compiled model plans, linear sum assignment, weight matching), built natively for
//! tests and to wasm32 + simd128 for the shipped core. No dependencies.
//!
//! Conventions: row-major f32 throughout; PyTorch layouts — dense weights `[out, in]`, conv weights
//! `[c_out, c_in, k_h, k_w]`, images `[n, c, h, w]`. Kernel modules are safe Rust over slices; the
//! only `extern "C"` surface is `abi`, whose entries check every pointer and return a status.

// Every unsafe operation sits in its own `unsafe` block with a `// SAFETY:` comment, even inside an
// `unsafe fn`.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

pub mod abi;
pub mod act;
pub mod blend;
pub mod conv;
pub mod dropout;
pub mod gemm;
pub mod hungarian;
pub mod loss;
pub mod norm;
pub mod optim;
pub mod plan;
pub mod pool;
pub mod rng;
pub mod simd;
pub mod tangent;
pub mod wmatch;
