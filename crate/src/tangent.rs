//! Tangents (Pearlmutter's R-operator, R{f} = d/dε f(θ + εv) at ε = 0) of the layers whose
//! derivatives are not plain matrix products: BatchNorm over `[n, c, s]` with batch statistics or
//! running statistics, and the gradient of the mean softmax cross-entropy. A Hessian-vector product
//! is the R-operator of the backward pass (forward-over-reverse); the plan composes these with GEMM
//! and convolution calls (crate/src/plan/hvp.rs).
//!
//! Notation per channel: m = n·s values, μ, σ² the batch mean and biased variance, inv = 1/√(σ²+ε),
//! x̂ = (x − μ)·inv, y = γ·x̂ + β. With Rx the input's tangent: Rμ = mean(Rx), R(inv) = −inv²·c,
//! c = mean(x̂·Rx), and Rx̂ = inv·(Rx − Rμ − x̂·c). Sums are accumulated in f64.

use crate::norm::BnShape;

/// γ or 1.
#[inline]
fn value_or(v: Option<&[f32]>, ch: usize, default: f64) -> f64 {
    v.map_or(default, |g| g[ch] as f64)
}

/// Calls `f(channel, run)` for every `[s]` run of `x` in `[n, c, s]` order, with the run's offset.
#[inline]
fn for_runs(sh: BnShape, mut f: impl FnMut(usize, usize)) {
    for i in 0..sh.n {
        for ch in 0..sh.c {
            f(ch, (i * sh.c + ch) * sh.s);
        }
    }
}

/// Train-mode (batch statistics) BatchNorm tangent forward:
/// `Ry = Rγ·x̂ + γ·Rx̂ + Rβ`, from `mean`/`invstd` of the forward pass. Writes `r_mean[c] = mean(Rx)`
/// and `r_c[c] = mean(x̂·Rx)` for the tangent backward. `rgamma`/`rbeta` are v's entries for γ, β.
#[allow(clippy::too_many_arguments)]
pub fn bn_batch_forward(
    sh: BnShape,
    x: &[f32],
    rx: &[f32],
    gamma: Option<&[f32]>,
    rgamma: Option<&[f32]>,
    rbeta: Option<&[f32]>,
    mean: &[f32],
    invstd: &[f32],
    ry: &mut [f32],
    r_mean: &mut [f32],
    r_c: &mut [f32],
) {
    let (c, s) = (sh.c, sh.s);
    let inv_m = 1.0 / sh.count() as f64;
    let mut sum_r = vec![0f64; c];
    let mut sum_xr = vec![0f64; c];
    for_runs(sh, |ch, at| {
        let (mu, inv) = (mean[ch] as f64, invstd[ch] as f64);
        let (mut a, mut b) = (0f64, 0f64);
        for k in at..at + s {
            let r = rx[k] as f64;
            a += r;
            b += (x[k] as f64 - mu) * inv * r;
        }
        sum_r[ch] += a;
        sum_xr[ch] += b;
    });
    for ch in 0..c {
        r_mean[ch] = (sum_r[ch] * inv_m) as f32;
        r_c[ch] = (sum_xr[ch] * inv_m) as f32;
    }
    for_runs(sh, |ch, at| {
        let (mu, inv, g) = (mean[ch] as f64, invstd[ch] as f64, value_or(gamma, ch, 1.0));
        let (rg, rb) = (value_or(rgamma, ch, 0.0), value_or(rbeta, ch, 0.0));
        let (rm, rc) = (sum_r[ch] * inv_m, sum_xr[ch] * inv_m);
        for k in at..at + s {
            let xh = (x[k] as f64 - mu) * inv;
            let rxh = inv * (rx[k] as f64 - rm - xh * rc);
            ry[k] = (rg * xh + g * rxh + rb) as f32;
        }
    });
}

/// Train-mode BatchNorm tangent backward. With g = dy (the gradient at y), S1 = Σ g, S2 = Σ g·x̂
/// and their tangents RS1 = Σ Rg, RS2 = Σ (Rg·x̂ + g·Rx̂):
/// `R(dx) = (Rγ·inv + γ·R(inv))·(g − S1/m − x̂·S2/m) + γ·inv·(Rg − RS1/m − Rx̂·S2/m − x̂·RS2/m)`,
/// `R(dγ) = RS2`, `R(dβ) = RS1`. `r_mean`, `r_c` come from `bn_batch_forward`.
#[allow(clippy::too_many_arguments)]
pub fn bn_batch_backward(
    sh: BnShape,
    x: &[f32],
    rx: &[f32],
    dy: &[f32],
    rdy: &[f32],
    gamma: Option<&[f32]>,
    rgamma: Option<&[f32]>,
    mean: &[f32],
    invstd: &[f32],
    r_mean: &[f32],
    r_c: &[f32],
    rdx: &mut [f32],
    mut rdgamma: Option<&mut [f32]>,
    mut rdbeta: Option<&mut [f32]>,
) {
    let (c, s) = (sh.c, sh.s);
    let m = sh.count() as f64;
    let mut sums = vec![[0f64; 4]; c];
    for_runs(sh, |ch, at| {
        let (mu, inv, rm, rc) = (mean[ch] as f64, invstd[ch] as f64, r_mean[ch] as f64, r_c[ch] as f64);
        let acc = &mut sums[ch];
        for k in at..at + s {
            let xh = (x[k] as f64 - mu) * inv;
            let rxh = inv * (rx[k] as f64 - rm - xh * rc);
            let (g, rg) = (dy[k] as f64, rdy[k] as f64);
            acc[0] += g;
            acc[1] += g * xh;
            acc[2] += rg;
            acc[3] += rg * xh + g * rxh;
        }
    });
    for (ch, acc) in sums.iter().enumerate() {
        if let Some(d) = rdgamma.as_mut() {
            d[ch] = acc[3] as f32;
        }
        if let Some(d) = rdbeta.as_mut() {
            d[ch] = acc[2] as f32;
        }
    }
    for_runs(sh, |ch, at| {
        let (mu, inv, rm, rc) = (mean[ch] as f64, invstd[ch] as f64, r_mean[ch] as f64, r_c[ch] as f64);
        let (g0, rg0) = (value_or(gamma, ch, 1.0), value_or(rgamma, ch, 0.0));
        let [s1, s2, rs1, rs2] = sums[ch];
        let rinv = -inv * inv * rc;
        let outer = rg0 * inv + g0 * rinv;
        for k in at..at + s {
            let xh = (x[k] as f64 - mu) * inv;
            let rxh = inv * (rx[k] as f64 - rm - xh * rc);
            let (g, rg) = (dy[k] as f64, rdy[k] as f64);
            let centred = g - s1 / m - xh * s2 / m;
            let rcentred = rg - rs1 / m - rxh * s2 / m - xh * rs2 / m;
            rdx[k] = (outer * centred + g0 * inv * rcentred) as f32;
        }
    });
}

/// 1/√(running_var + eps) per channel.
fn running_inv(eps: f32, running_var: &[f32]) -> Vec<f64> {
    running_var.iter().map(|&v| 1.0 / (v as f64 + eps as f64).sqrt()).collect()
}

/// Eval-mode (running statistics) BatchNorm tangent forward: `Ry = γ·inv·Rx + Rγ·x̂ + Rβ`.
#[allow(clippy::too_many_arguments)]
pub fn bn_eval_forward(
    sh: BnShape,
    eps: f32,
    x: &[f32],
    rx: &[f32],
    gamma: Option<&[f32]>,
    rgamma: Option<&[f32]>,
    rbeta: Option<&[f32]>,
    running_mean: &[f32],
    running_var: &[f32],
    ry: &mut [f32],
) {
    let inv = running_inv(eps, running_var);
    for_runs(sh, |ch, at| {
        let (mu, iv) = (running_mean[ch] as f64, inv[ch]);
        let (k, rg, rb) = (value_or(gamma, ch, 1.0) * iv, value_or(rgamma, ch, 0.0), value_or(rbeta, ch, 0.0));
        for j in at..at + sh.s {
            ry[j] = (k * rx[j] as f64 + rg * (x[j] as f64 - mu) * iv + rb) as f32;
        }
    });
}

/// Eval-mode BatchNorm tangent backward: `R(dx) = γ·inv·Rg + Rγ·inv·g`,
/// `R(dγ) = Σ (Rg·x̂ + g·inv·Rx)`, `R(dβ) = Σ Rg`.
#[allow(clippy::too_many_arguments)]
pub fn bn_eval_backward(
    sh: BnShape,
    eps: f32,
    x: &[f32],
    rx: &[f32],
    dy: &[f32],
    rdy: &[f32],
    gamma: Option<&[f32]>,
    rgamma: Option<&[f32]>,
    running_mean: &[f32],
    running_var: &[f32],
    rdx: &mut [f32],
    mut rdgamma: Option<&mut [f32]>,
    mut rdbeta: Option<&mut [f32]>,
) {
    let inv = running_inv(eps, running_var);
    let mut sums = vec![[0f64; 2]; sh.c];
    for_runs(sh, |ch, at| {
        let (mu, iv) = (running_mean[ch] as f64, inv[ch]);
        let (k, rk) = (value_or(gamma, ch, 1.0) * iv, value_or(rgamma, ch, 0.0) * iv);
        let acc = &mut sums[ch];
        for j in at..at + sh.s {
            let (g, rg) = (dy[j] as f64, rdy[j] as f64);
            acc[0] += rg;
            acc[1] += rg * (x[j] as f64 - mu) * iv + g * iv * rx[j] as f64;
            rdx[j] = (k * rg + rk * g) as f32;
        }
    });
    for (ch, acc) in sums.iter().enumerate() {
        if let Some(d) = rdgamma.as_mut() {
            d[ch] = acc[1] as f32;
        }
        if let Some(d) = rdbeta.as_mut() {
            d[ch] = acc[0] as f32;
        }
    }
}

/// Tangent of d(mean loss)/dz for softmax cross-entropy on logits `[n, classes]`: with p the
/// softmax of a row, `R(dz) = (p ⊙ Rz − p·⟨p, Rz⟩)/n` (labels drop out: the one-hot is constant).
pub fn softmax_xent_backward(classes: usize, logits: &[f32], rlogits: &[f32], n: usize, rgrad: &mut [f32]) {
    let inv_n = 1.0 / n as f64;
    let mut p = vec![0f64; classes];
    for i in 0..n {
        let row = &logits[i * classes..(i + 1) * classes];
        let rrow = &rlogits[i * classes..(i + 1) * classes];
        let top = row.iter().fold(f32::NEG_INFINITY, |a, &b| if b > a { b } else { a }) as f64;
        let mut sum = 0f64;
        for (pk, &z) in p.iter_mut().zip(row) {
            *pk = (z as f64 - top).exp();
            sum += *pk;
        }
        let mut dot = 0f64;
        for (pk, &r) in p.iter_mut().zip(rrow) {
            *pk /= sum;
            dot += *pk * r as f64;
        }
        for ((o, &pk), &r) in rgrad[i * classes..(i + 1) * classes].iter_mut().zip(&p).zip(rrow) {
            *o = (pk * (r as f64 - dot) * inv_n) as f32;
        }
    }
}
