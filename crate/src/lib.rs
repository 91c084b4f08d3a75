//! modeconn-core: the hot loops of modeconn.
//!
//! Conventions: row-major f32 throughout; PyTorch layouts — dense weights `[out, in]`, conv weights
//! `[c_out, c_in, k_h, k_w]`, images `[n, c, h, w]`. Kernel modules are safe Rust over slices; the
//! only `extern "C"` surface is `abi`.

pub mod abi;
pub mod gemm;
pub mod conv;
pub mod pool;
pub mod act;
pub mod loss;
pub mod norm;
pub mod rng;
pub mod dropout;
pub mod optim;
pub mod blend;
pub mod plan;
pub mod plan_run;
pub mod plan_grad;
pub mod gemm_pack;
pub mod simd;
pub mod hungarian;
pub mod wmatch;
