//! ReLU (forward, backward; in place when the output is the input) and softmax cross-entropy
//! entries.

use super::{run, view, view_opt, ERR_ARG, ERR_SHAPE};

/// True when two byte ranges `[a, a + la)` and `[b, b + lb)` intersect.
fn overlaps(a: usize, la: usize, b: usize, lb: usize) -> bool {
    la != 0 && lb != 0 && a < b.saturating_add(lb) && b < a.saturating_add(la)
}

/// `y = max(x, 0)` over `len` values; `y == x` runs in place, a partial overlap is `ERR_ARG`.
///
/// # Safety
/// The entry contract (abi module doc); overlaps other than `y == x` are caught (`ERR_ARG`).
#[no_mangle]
pub unsafe extern "C" fn relu_forward(x: *const f32, y: *mut f32, len: u32) -> i32 {
    run(|| {
        let len = len as usize;
        if std::ptr::eq(x, y) {
            // SAFETY: `view` checks the range; it is the only view of the call.
            crate::act::relu_forward_inplace(unsafe { view(y, len)? });
            return Ok(());
        }
        if overlaps(x as usize, len.saturating_mul(4), y as usize, len.saturating_mul(4)) {
            return Err(ERR_ARG);
        }
        // SAFETY: `view` checks each range; the two are disjoint (checked above).
        let (x, y) = unsafe { (view(x, len)?, view(y, len)?) };
        crate::act::relu_forward(x, y);
        Ok(())
    })
}

/// `dx = dy` where `mask > 0` (mask: the forward input or output), else 0. `dx == dy` runs in
/// place; `dx` must not overlap `mask` nor partially overlap `dy`.
///
/// # Safety
/// The entry contract (abi module doc); overlaps other than `dx == dy` are caught (`ERR_ARG`).
#[no_mangle]
pub unsafe extern "C" fn relu_backward(dy: *const f32, mask: *const f32, dx: *mut f32, len: u32) -> i32 {
    run(|| {
        let len = len as usize;
        let (d, m, o) = (dy as usize, mask as usize, dx as usize);
        if overlaps(o, len.saturating_mul(4), m, len.saturating_mul(4)) {
            return Err(ERR_ARG);
        }
        if d == o {
            // SAFETY: `view` checks each range; `dx` (= `dy`) and `mask` are disjoint (checked above).
            let (dx, mask) = unsafe { (view(dx, len)?, view(mask, len)?) };
            crate::act::relu_backward_inplace(dx, mask);
            return Ok(());
        }
        if overlaps(o, len.saturating_mul(4), d, len.saturating_mul(4)) {
            return Err(ERR_ARG);
        }
        // SAFETY: `view` checks each range; `dx` is disjoint from both inputs (checked above).
        let (dy, mask, dx) = unsafe { (view(dy, len)?, view(mask, len)?, view(dx, len)?) };
        crate::act::relu_backward(dy, mask, dx);
        Ok(())
    })
}

/// Softmax cross-entropy on `logits[n, classes]` with `labels[n]`: writes `losses[n]`,
/// `correct[n]` (1/0), `mean_loss[1]`, and `grad[n, classes] = (softmax − onehot)/n` unless
/// `grad` is null. A label `>= classes` is `ERR_ARG` (nothing is written).
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
pub unsafe extern "C" fn softmax_xent(
    logits: *const f32,
    labels: *const u32,
    losses: *mut f32,
    correct: *mut u32,
    mean_loss: *mut f32,
    grad: *mut f32,
    n: u32,
    classes: u32,
) -> i32 {
    run(|| {
        if n == 0 || classes == 0 {
            return Err(ERR_SHAPE);
        }
        let (nn, k) = (n as usize, classes as usize);
        let len = nn.checked_mul(k).filter(|&v| v <= u32::MAX as usize / 4).ok_or(ERR_SHAPE)?;
        // SAFETY: `view` checks the range; it is only read.
        let labels = unsafe { view(labels, nn)? };
        if crate::loss::first_bad_label(labels, k).is_some() {
            return Err(ERR_ARG);
        }
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (logits, losses, correct) = unsafe { (view(logits, len)?, view(losses, nn)?, view(correct, nn)?) };
        // SAFETY: as above.
        let (mean_loss, grad) = unsafe { (view(mean_loss, 1)?, view_opt(grad, len)?) };
        mean_loss[0] = crate::loss::softmax_xent(k, logits, labels, losses, correct, grad);
        Ok(())
    })
}
