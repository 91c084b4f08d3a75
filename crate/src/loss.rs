//! Softmax cross-entropy on logits `[n, classes]` with u32 labels `[n]`:
//! `loss_i = logsumexp(z_i) − z_i[label_i]` (stabilised by the row max, accumulated in f64),
//! `correct_i = (argmax z_i == label_i)` with ties to the first maximal index and NaN counted as
//! the maximum (as `torch.argmax`), the mean loss, and optionally
//! `d mean / d z = (softmax(z) − onehot(label))/n`. NaN logits give NaN losses, never a panic.

/// Index of the first maximal element; a NaN beats every number (the first NaN wins).
#[inline]
pub fn argmax_first(row: &[f32]) -> usize {
    let mut best = 0;
    for (j, &v) in row.iter().enumerate().skip(1) {
        let b = row[best];
        if b.is_nan() {
            break;
        }
        if v.is_nan() || v > b {
            best = j;
        }
    }
    best
}

/// The first index `i` whose label is `>= classes`, if any (the ABI maps it to `ERR_ARG`).
pub fn first_bad_label(labels: &[u32], classes: usize) -> Option<usize> {
    labels.iter().position(|&l| l as usize >= classes)
}

/// Computes per-sample losses and correctness (1/0) and returns the mean loss. `grad`, when given,
/// receives `(softmax − onehot)/n` (length `n·classes`, overwritten). Labels must be `< classes`
/// (checked by the caller); `n = labels.len()`.
pub fn softmax_xent(
    classes: usize,
    logits: &[f32],
    labels: &[u32],
    losses: &mut [f32],
    correct: &mut [u32],
    mut grad: Option<&mut [f32]>,
) -> f32 {
    let n = labels.len();
    if n == 0 || classes == 0 {
        return 0.0;
    }
    let inv_n = 1.0 / n as f64;
    let mut total = 0f64;
    for (i, row) in logits.chunks_exact(classes).take(n).enumerate() {
        let label = labels[i] as usize;
        // The row max only stabilises the sum; it need not be NaN-aware.
        let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| if b > a { b } else { a }) as f64;
        let mut sum = 0f64;
        for &z in row {
            sum += (z as f64 - m).exp();
        }
        let lse = m + sum.ln();
        let loss = lse - row[label] as f64;
        losses[i] = loss as f32;
        total += loss;
        correct[i] = (argmax_first(row) == label) as u32;
        if let Some(g) = grad.as_mut() {
            let gr = &mut g[i * classes..(i + 1) * classes];
            let inv_sum = 1.0 / sum;
            for (o, &z) in gr.iter_mut().zip(row) {
                *o = ((z as f64 - m).exp() * inv_sum * inv_n) as f32;
            }
            gr[label] = ((row[label] as f64 - m).exp() * inv_sum * inv_n - inv_n) as f32;
        }
    }
    (total * inv_n) as f32
}
