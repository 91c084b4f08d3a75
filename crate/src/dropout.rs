//! Inverted dropout with a seeded mask: `y = x · mask`, `mask_i = 1/(1−p)` with probability 1−p
//! (the draw `uniform ≥ p`, one draw per element in order) else 0. The mask is kept as f32 scale
//! factors so the backward pass is `dx = dy · mask`. Shapes: x, y, mask, dy, dx all of length n.

use crate::rng::{self, State};

/// Forward: draws the mask from `state` (advancing it by `x.len()` words) and writes `y = x · mask`.
/// `p` must be in [0, 1) (checked by the ABI); `p = 0` keeps everything with scale 1.
pub fn forward(p: f32, state: &mut State, x: &[f32], y: &mut [f32], mask: &mut [f32]) {
    let scale = 1.0 / (1.0 - p);
    for ((yi, mi), &xi) in y.iter_mut().zip(mask.iter_mut()).zip(x) {
        let m = if rng::uniform(state) >= p { scale } else { 0.0 };
        *mi = m;
        *yi = xi * m;
    }
}

/// Backward: `dx = dy · mask`.
pub fn backward(dy: &[f32], mask: &[f32], dx: &mut [f32]) {
    for ((d, &g), &m) in dx.iter_mut().zip(dy).zip(mask) {
        *d = g * m;
    }
}
