//! BatchNorm over `[n, c, s]` memory (PyTorch semantics): `s = 1` is BatchNorm1d on `[n, c]`,
//! `s = h·w` is BatchNorm2d on `[n, c, h, w]`. `y = (x − mean)/√(var + eps)·gamma + beta`, per channel.
//! Train mode normalises with the batch's mean and biased variance (accumulated in f64) and folds
//! the unbiased variance into the running statistics; eval mode uses the running statistics.
//! Slice lengths: `x`, `y`, `dy`, `dx` are `n·c·s`; every per-channel vector is `c`. `gamma`/`beta`
//! are optional (`None` = PyTorch's `affine=False`: gamma 1, beta 0), and so are their gradients.

/// The logical shape `[n, c, s]` of a BatchNorm input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BnShape {
    pub n: usize,
    pub c: usize,
    pub s: usize,
}

impl BnShape {
    /// Values per channel in one batch (`n·s`).
    #[inline]
    pub fn count(&self) -> usize {
        self.n * self.s
    }
    /// Total element count (`n·c·s`).
    #[inline]
    pub fn len(&self) -> usize {
        self.n * self.c * self.s
    }
    /// True when some dimension is 0.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// How a train-mode forward folds the batch statistics into the running ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RunningUpdate {
    /// `running = (1 − momentum)·running + momentum·batch` (PyTorch's default, momentum 0.1).
    Momentum(f32),
    /// Exact sample-weighted average for recomputing statistics over a data set (Garipov's
    /// `update_bn`): `seen` samples are already averaged in, this batch adds `n` more.
    /// `seen == 0` overwrites the running statistics with the batch's.
    ExactAverage { seen: u64 },
    /// Leave the running statistics untouched.
    Frozen,
}

/// Σ v in f64 with four independent accumulators (shorter dependency chains).
#[inline]
fn sum_f64(v: &[f32]) -> f64 {
    let mut acc = [0f64; 4];
    let mut chunks = v.chunks_exact(4);
    for q in &mut chunks {
        for k in 0..4 {
            acc[k] += q[k] as f64;
        }
    }
    let mut tail = 0f64;
    for &t in chunks.remainder() {
        tail += t as f64;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ (v − mu)² in f64.
#[inline]
fn sum_sq_dev_f64(v: &[f32], mu: f64) -> f64 {
    let mut acc = [0f64; 4];
    let mut chunks = v.chunks_exact(4);
    for q in &mut chunks {
        for k in 0..4 {
            let d = q[k] as f64 - mu;
            acc[k] += d * d;
        }
    }
    let mut tail = 0f64;
    for &t in chunks.remainder() {
        let d = t as f64 - mu;
        tail += d * d;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Per-channel batch mean and biased variance (two passes, f64), written into `mean`, `var`.
fn batch_stats(sh: BnShape, x: &[f32], mean: &mut [f64], var: &mut [f64]) {
    let (c, s) = (sh.c, sh.s);
    let inv_count = 1.0 / sh.count() as f64;
    mean.iter_mut().for_each(|m| *m = 0.0);
    var.iter_mut().for_each(|v| *v = 0.0);
    for row in x.chunks_exact(c * s) {
        if s == 1 {
            // BatchNorm1d: a channel is a column, so accumulate whole rows (vectorises across c).
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        } else {
            for (m, plane) in mean.iter_mut().zip(row.chunks_exact(s)) {
                *m += sum_f64(plane);
            }
        }
    }
    mean.iter_mut().for_each(|m| *m *= inv_count);
    for row in x.chunks_exact(c * s) {
        if s == 1 {
            for ((v, &m), &xv) in var.iter_mut().zip(mean.iter()).zip(row) {
                let d = xv as f64 - m;
                *v += d * d;
            }
        } else {
            for ((v, &m), plane) in var.iter_mut().zip(mean.iter()).zip(row.chunks_exact(s)) {
                *v += sum_sq_dev_f64(plane, m);
            }
        }
    }
    var.iter_mut().for_each(|v| *v *= inv_count);
}

/// `y = (x − mean[ch])·scale[ch] + beta[ch]` over `[n, c, s]` (beta 0 when absent).
fn normalize(sh: BnShape, x: &[f32], mean: &[f32], scale: &[f32], beta: Option<&[f32]>, y: &mut [f32]) {
    let zeros;
    let beta = match beta {
        Some(b) => b,
        None => {
            zeros = vec![0f32; sh.c];
            &zeros[..]
        }
    };
    let cs = sh.c * sh.s;
    for (xr, yr) in x.chunks_exact(cs).zip(y.chunks_exact_mut(cs)) {
        if sh.s == 1 {
            for ((((yv, &xv), &m), &k), &b) in yr.iter_mut().zip(xr).zip(mean).zip(scale).zip(beta) {
                *yv = (xv - m) * k + b;
            }
        } else {
            for (ch, (xp, yp)) in xr.chunks_exact(sh.s).zip(yr.chunks_exact_mut(sh.s)).enumerate() {
                let (m, k, b) = (mean[ch], scale[ch], beta[ch]);
                for (yv, &xv) in yp.iter_mut().zip(xp) {
                    *yv = (xv - m) * k + b;
                }
            }
        }
    }
}

/// Train-mode forward. Writes `y`, the batch mean `save_mean` and `save_invstd = 1/√(var + eps)`
/// (biased variance; both for `batchnorm_backward`), and updates `running_mean`/`running_var`
/// with the unbiased variance `var·m/(m − 1)`, `m = n·s` (for `m = 1` no correction is possible
/// and the biased variance, 0, is used).
#[allow(clippy::too_many_arguments)]
pub fn batchnorm_forward_train(
    sh: BnShape,
    eps: f32,
    update: RunningUpdate,
    x: &[f32],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    y: &mut [f32],
    save_mean: &mut [f32],
    save_invstd: &mut [f32],
    running_mean: &mut [f32],
    running_var: &mut [f32],
) {
    if sh.is_empty() {
        return;
    }
    let c = sh.c;
    let mut mean = vec![0f64; c];
    let mut var = vec![0f64; c];
    batch_stats(sh, x, &mut mean, &mut var);
    let mut scale = vec![0f32; c];
    for ch in 0..c {
        let inv = 1.0 / (var[ch] + eps as f64).sqrt();
        save_mean[ch] = mean[ch] as f32;
        save_invstd[ch] = inv as f32;
        scale[ch] = (inv * gamma.map_or(1.0, |g| g[ch] as f64)) as f32;
    }
    normalize(sh, x, save_mean, &scale, beta, y);

    let m = sh.count();
    let bessel = if m > 1 { m as f64 / (m - 1) as f64 } else { 1.0 };
    let (keep, take) = match update {
        RunningUpdate::Frozen => return,
        RunningUpdate::Momentum(mo) => (1.0 - mo as f64, mo as f64),
        RunningUpdate::ExactAverage { seen } => {
            let total = seen as f64 + sh.n as f64;
            (seen as f64 / total, sh.n as f64 / total)
        }
    };
    for ch in 0..c {
        let unbiased = var[ch] * bessel;
        if keep == 0.0 {
            // Overwrite, so that stale NaN/inf running values cannot leak through 0·NaN.
            running_mean[ch] = (take * mean[ch]) as f32;
            running_var[ch] = (take * unbiased) as f32;
        } else {
            running_mean[ch] = (keep * running_mean[ch] as f64 + take * mean[ch]) as f32;
            running_var[ch] = (keep * running_var[ch] as f64 + take * unbiased) as f32;
        }
    }
}

/// Eval-mode forward: normalises with `running_mean`/`running_var`.
#[allow(clippy::too_many_arguments)]
pub fn batchnorm_forward_eval(
    sh: BnShape,
    eps: f32,
    x: &[f32],
    gamma: Option<&[f32]>,
    beta: Option<&[f32]>,
    running_mean: &[f32],
    running_var: &[f32],
    y: &mut [f32],
) {
    if sh.is_empty() {
        return;
    }
    let scale: Vec<f32> = running_var
        .iter()
        .enumerate()
        .map(|(ch, &v)| (gamma.map_or(1.0, |g| g[ch] as f64) / (v as f64 + eps as f64).sqrt()) as f32)
        .collect();
    normalize(sh, x, running_mean, &scale, beta, y);
}

/// (Σ g, Σ g·(x − m)) over one channel run, in f64 with two independent accumulator pairs.
#[inline]
fn dot_sums(xp: &[f32], gp: &[f32], m: f64) -> (f64, f64) {
    let (mut a, mut b) = ([0f64; 2], [0f64; 2]);
    let mut xc = xp.chunks_exact(2);
    let mut gc = gp.chunks_exact(2);
    for (xq, gq) in (&mut xc).zip(&mut gc) {
        for k in 0..2 {
            let g = gq[k] as f64;
            a[k] += g;
            b[k] += g * (xq[k] as f64 - m);
        }
    }
    for (&xv, &g) in xc.remainder().iter().zip(gc.remainder()) {
        let g = g as f64;
        a[0] += g;
        b[0] += g * (xv as f64 - m);
    }
    (a[0] + a[1], b[0] + b[1])
}

/// Per channel: (Σ dy, Σ dy·(x − mean)) in f64.
fn grad_sums(sh: BnShape, x: &[f32], dy: &[f32], mean: &[f32]) -> (Vec<f64>, Vec<f64>) {
    let (c, s) = (sh.c, sh.s);
    let mut sdy = vec![0f64; c];
    let mut sdyx = vec![0f64; c];
    for (xr, gr) in x.chunks_exact(c * s).zip(dy.chunks_exact(c * s)) {
        if s == 1 {
            // BatchNorm1d: accumulate whole rows, vectorising across channels.
            for ch in 0..c {
                let g = gr[ch] as f64;
                sdy[ch] += g;
                sdyx[ch] += g * (xr[ch] as f64 - mean[ch] as f64);
            }
        } else {
            for (ch, (xp, gp)) in xr.chunks_exact(s).zip(gr.chunks_exact(s)).enumerate() {
                let (a, b) = dot_sums(xp, gp, mean[ch] as f64);
                sdy[ch] += a;
                sdyx[ch] += b;
            }
        }
    }
    (sdy, sdyx)
}

/// Writes `dbeta[ch] = Σ dy` and `dgamma[ch] = Σ dy·x̂` where those outputs are wanted.
#[inline]
fn store_param_grads(ch: usize, db: f64, dg: f64, dgamma: &mut Option<&mut [f32]>, dbeta: &mut Option<&mut [f32]>) {
    if let Some(d) = dgamma.as_mut() {
        d[ch] = dg as f32;
    }
    if let Some(d) = dbeta.as_mut() {
        d[ch] = db as f32;
    }
}

/// Train-mode backward through the batch statistics, from `save_mean`/`save_invstd` of the
/// forward: `dbeta = Σ dy`, `dgamma = Σ dy·x̂`, `dx = gamma·invstd·(dy − dbeta/m − x̂·dgamma/m)`
/// with `x̂ = (x − mean)·invstd`, `m = n·s`. All outputs are overwritten; absent `dgamma`/`dbeta`
/// are skipped.
#[allow(clippy::too_many_arguments)]
pub fn batchnorm_backward(
    sh: BnShape,
    x: &[f32],
    dy: &[f32],
    gamma: Option<&[f32]>,
    save_mean: &[f32],
    save_invstd: &[f32],
    dx: &mut [f32],
    mut dgamma: Option<&mut [f32]>,
    mut dbeta: Option<&mut [f32]>,
) {
    if sh.is_empty() {
        return;
    }
    let c = sh.c;
    let (sdy, sdyx) = grad_sums(sh, x, dy, save_mean);
    let inv_m = 1.0 / sh.count() as f64;
    // Per channel: dx = k·dy − a − (x − mean)·b.
    let mut k = vec![0f32; c];
    let mut a = vec![0f32; c];
    let mut b = vec![0f32; c];
    for ch in 0..c {
        let inv = save_invstd[ch] as f64;
        let kk = gamma.map_or(1.0, |g| g[ch] as f64) * inv;
        store_param_grads(ch, sdy[ch], sdyx[ch] * inv, &mut dgamma, &mut dbeta);
        k[ch] = kk as f32;
        a[ch] = (kk * sdy[ch] * inv_m) as f32;
        b[ch] = (kk * sdyx[ch] * inv * inv * inv_m) as f32;
    }
    let cs = c * sh.s;
    for ((xr, gr), dr) in x.chunks_exact(cs).zip(dy.chunks_exact(cs)).zip(dx.chunks_exact_mut(cs)) {
        if sh.s == 1 {
            let (m, k, a, b) = (&save_mean[..c], &k[..c], &a[..c], &b[..c]);
            for j in 0..c {
                dr[j] = k[j] * gr[j] - a[j] - (xr[j] - m[j]) * b[j];
            }
            continue;
        }
        for ch in 0..c {
            let r = ch * sh.s..(ch + 1) * sh.s;
            let (m, kk, aa, bb) = (save_mean[ch], k[ch], a[ch], b[ch]);
            for ((d, &xv), &g) in dr[r.clone()].iter_mut().zip(&xr[r.clone()]).zip(&gr[r]) {
                *d = kk * g - aa - (xv - m) * bb;
            }
        }
    }
}

/// Eval-mode backward (running statistics are constants): `dx = dy·gamma/√(running_var + eps)`,
/// `dgamma = Σ dy·x̂`, `dbeta = Σ dy`. All outputs are overwritten.
#[allow(clippy::too_many_arguments)]
pub fn batchnorm_backward_eval(
    sh: BnShape,
    eps: f32,
    x: &[f32],
    dy: &[f32],
    gamma: Option<&[f32]>,
    running_mean: &[f32],
    running_var: &[f32],
    dx: &mut [f32],
    mut dgamma: Option<&mut [f32]>,
    mut dbeta: Option<&mut [f32]>,
) {
    if sh.is_empty() {
        return;
    }
    let c = sh.c;
    let (sdy, sdyx) = grad_sums(sh, x, dy, running_mean);
    let mut k = vec![0f32; c];
    for ch in 0..c {
        let inv = 1.0 / (running_var[ch] as f64 + eps as f64).sqrt();
        store_param_grads(ch, sdy[ch], sdyx[ch] * inv, &mut dgamma, &mut dbeta);
        k[ch] = (gamma.map_or(1.0, |g| g[ch] as f64) * inv) as f32;
    }
    let cs = c * sh.s;
    for (gr, dr) in dy.chunks_exact(cs).zip(dx.chunks_exact_mut(cs)) {
        if sh.s == 1 {
            for ((d, &g), &kk) in dr.iter_mut().zip(gr).zip(&k) {
                *d = kk * g;
            }
            continue;
        }
        for ((dp, gp), &kk) in dr.chunks_exact_mut(sh.s).zip(gr.chunks_exact(sh.s)).zip(&k) {
            for (d, &g) in dp.iter_mut().zip(gp) {
                *d = kk * g;
            }
        }
    }
}
