//! Placeholder; replaced by the blocked SIMD GEMM.
