//! Optimiser steps on the flat parameter vector, with the semantics of torch.optim.SGD and
//! torch.optim.Adam / AdamW (single-tensor path, no amsgrad). All vectors have the same length n.
//! Per-element arithmetic is f32 in the order written below (no FMA), so the TS twin is bit-exact.

/// SGD hyper-parameters (PyTorch names).
#[derive(Clone, Copy, Debug)]
pub struct Sgd {
    pub lr: f32,
    pub momentum: f32,
    pub dampening: f32,
    pub weight_decay: f32,
    pub nesterov: bool,
}

impl Sgd {
    /// PyTorch's argument checks: lr, momentum, weight_decay ≥ 0 (not NaN); nesterov needs
    /// momentum > 0 and dampening 0.
    pub fn is_valid(&self) -> bool {
        let finite = self.lr.is_finite() && self.momentum.is_finite() && self.dampening.is_finite() && self.weight_decay.is_finite();
        finite
            && self.lr >= 0.0
            && self.momentum >= 0.0
            && self.weight_decay >= 0.0
            && (!self.nesterov || (self.momentum > 0.0 && self.dampening == 0.0))
    }
}

/// One SGD step. `buf` (momentum buffer, length n) is read and written only when momentum ≠ 0;
/// `first` marks the first step, where PyTorch initialises `buf = g`.
///
/// ```text
/// g = grad + wd·p
/// buf = first ? g : momentum·buf + (1 − dampening)·g
/// g = nesterov ? g + momentum·buf : buf
/// p = p − lr·g
/// ```
pub fn sgd_step(h: &Sgd, params: &mut [f32], grads: &[f32], buf: &mut [f32], first: bool) {
    let wd = h.weight_decay;
    let mom = h.momentum;
    let damp = 1.0 - h.dampening;
    let neg_lr = -h.lr;
    if mom == 0.0 {
        for (p, &g) in params.iter_mut().zip(grads) {
            let g = if wd != 0.0 { g + wd * *p } else { g };
            *p += neg_lr * g;
        }
        return;
    }
    for ((p, &g), b) in params.iter_mut().zip(grads).zip(buf.iter_mut()) {
        let g = if wd != 0.0 { g + wd * *p } else { g };
        let nb = if first { g } else { *b * mom + damp * g };
        *b = nb;
        let d = if h.nesterov { g + mom * nb } else { nb };
        *p += neg_lr * d;
    }
}

/// Adam / AdamW hyper-parameters (PyTorch names); `decoupled` selects AdamW's weight decay.
#[derive(Clone, Copy, Debug)]
pub struct Adam {
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub weight_decay: f32,
    pub decoupled: bool,
}

impl Adam {
    /// PyTorch's argument checks: lr, eps, weight_decay ≥ 0; betas in [0, 1).
    pub fn is_valid(&self) -> bool {
        let ok01 = |b: f32| (0.0..1.0).contains(&b);
        self.lr.is_finite()
            && self.eps.is_finite()
            && self.weight_decay.is_finite()
            && self.lr >= 0.0
            && self.eps >= 0.0
            && self.weight_decay >= 0.0
            && ok01(self.beta1)
            && ok01(self.beta2)
    }
}

/// `b^t` in f64 by binary exponentiation (fixed order, so the TS twin gets the same bits).
pub fn powi_f64(b: f64, mut t: u32) -> f64 {
    let mut result = 1.0;
    let mut base = b;
    while t > 0 {
        if t & 1 == 1 {
            result *= base;
        }
        base *= base;
        t >>= 1;
    }
    result
}

/// The per-step scalars of Adam, computed in f64 as PyTorch does in Python, then rounded to f32:
/// `(step_size, sqrt(bias_correction2))` with `step_size = lr / (1 − β1^t)`.
pub fn adam_scalars(h: &Adam, step: u32) -> (f32, f32) {
    let bc1 = 1.0 - powi_f64(h.beta1 as f64, step);
    let bc2 = 1.0 - powi_f64(h.beta2 as f64, step);
    ((h.lr as f64 / bc1) as f32, bc2.sqrt() as f32)
}

/// One Adam (or AdamW) step at `step` t ≥ 1 (1-based, already incremented for this step).
///
/// ```text
/// AdamW: p = p·(1 − lr·wd)            Adam: g = grad + wd·p
/// m = β1·m + (1 − β1)·g
/// v = β2·v + ((1 − β2)·g)·g
/// p = p + (−step_size)·(m / (sqrt(v) / sqrt(bc2) + eps))
/// ```
pub fn adam_step(h: &Adam, step: u32, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32]) {
    let (step_size, bc2_sqrt) = adam_scalars(h, step);
    let neg_step = -step_size;
    let wd = h.weight_decay;
    // PyTorch forms 1 − lr·wd in double (Python floats), then the tensor op rounds it to f32.
    let decay = (1.0 - h.lr as f64 * wd as f64) as f32;
    let (b1, b2, c1, c2, eps) = (h.beta1, h.beta2, 1.0 - h.beta1, 1.0 - h.beta2, h.eps);
    let coupled = !h.decoupled && wd != 0.0;
    let decoupled = h.decoupled && wd != 0.0;
    for (((p, &g), mi), vi) in params.iter_mut().zip(grads).zip(m.iter_mut()).zip(v.iter_mut()) {
        let mut pv = *p;
        if decoupled {
            pv *= decay;
        }
        let g = if coupled { g + wd * pv } else { g };
        let nm = b1 * *mi + c1 * g;
        let nv = b2 * *vi + (c2 * g) * g;
        *mi = nm;
        *vi = nv;
        let denom = nv.sqrt() / bc2_sqrt + eps;
        *p = pv + neg_step * (nm / denom);
    }
}
