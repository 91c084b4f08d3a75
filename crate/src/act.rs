//! ReLU: `y = max(x, 0)` elementwise (NaN passes through, as in PyTorch), and its backward
//! `dx = dy` where the forward input (equivalently its output) is `> 0`, else `0`.
//! Any shape: all slices have the same length.

/// `y = max(x, 0)`; NaN stays NaN.
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    for (o, &v) in y.iter_mut().zip(x) {
        *o = if v < 0.0 { 0.0 } else { v };
    }
}

/// In-place `x = max(x, 0)`.
pub fn relu_forward_inplace(x: &mut [f32]) {
    for v in x.iter_mut() {
        if *v < 0.0 {
            *v = 0.0;
        }
    }
}

/// `dx = dy` where `mask > 0` (mask: the forward input or output), else 0.
pub fn relu_backward(dy: &[f32], mask: &[f32], dx: &mut [f32]) {
    for ((o, &g), &m) in dx.iter_mut().zip(dy).zip(mask) {
        *o = if m > 0.0 { g } else { 0.0 };
    }
}

/// In-place backward: `g = 0` where `mask <= 0` (or NaN).
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(m > 0)` is deliberate: a NaN mask blocks the gradient.
pub fn relu_backward_inplace(g: &mut [f32], mask: &[f32]) {
    for (o, &m) in g.iter_mut().zip(mask) {
        if !(m > 0.0) {
            *o = 0.0;
        }
    }
}
