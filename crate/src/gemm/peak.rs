//! The SIMD mul+add ceiling that GEMM throughput is reported against: a register-only loop of
//! independent multiply and add chains, no memory traffic.

use crate::simd::{Arch, Simd};

/// Independent chains of each kind in `simd_peak`: 6 mul chains (latency 4) and 6 add chains keep
/// every FP port busy while 13 registers stay within V8's 15 allocatable xmm registers.
const PEAK_CHAINS: usize = 6;
/// FLOPs per `simd_peak` iteration: PEAK_CHAINS 4-lane muls and PEAK_CHAINS 4-lane adds.
pub const SIMD_PEAK_FLOPS_PER_ITER: usize = PEAK_CHAINS * 8;

/// A register-only loop, `iters` times, of PEAK_CHAINS independent `x = x*x` chains and PEAK_CHAINS
/// independent `y = y + 1` chains (SIMD_PEAK_FLOPS_PER_ITER FLOPs per iteration, no memory
/// traffic): the mul+add ceiling GEMM is compared against. Lanes of x are ±1 and y saturates at
/// 2^24, so no value overflows or goes subnormal. Every chain's first step changes its value and
/// chains start apart, so constant propagation cannot fold a chain and no two chains merge.
/// Returns a sum of lanes so the work cannot be optimised away.
pub fn simd_peak(iters: usize) -> f32 {
    peak::<Arch>(iters)
}

#[inline(never)]
fn peak<S: Simd>(iters: usize) -> f32 {
    let (zero, one) = (S::zero(), S::splat(1.0));
    let sign = |bit: usize| if bit == 0 { 1.0 } else { -1.0 };
    let mut x = [zero; PEAK_CHAINS];
    let mut y = [zero; PEAK_CHAINS];
    for i in 0..PEAK_CHAINS {
        x[i] = S::from_lanes([sign(i & 1), sign(i & 2), sign(i & 4), -1.0]);
        y[i] = S::splat(i as f32);
    }
    for _ in 0..iters {
        for i in 0..PEAK_CHAINS {
            x[i] = S::mul(x[i], x[i]);
            y[i] = S::add(y[i], one);
        }
    }
    (0..PEAK_CHAINS).fold(0.0, |s, i| s + S::sum(x[i]) + S::sum(y[i]))
}
