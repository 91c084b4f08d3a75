//! Plan entries: compile a network once (`plan_create`), then one call per batch — forward with
//! loss, gradient, training step, activations. A plan lives in a registry slot; its handle is
//! slot + 1, so 0 is never a valid handle and a stale or forged handle is a status, not undefined
//! behaviour. Every batch entry starts with the same prologue (`with_batch`): handle lookup, the
//! data set and sample indices gathered into the plan's input buffer, θ viewed.

use super::{run, view, view_opt, ERR_ARG, ERR_SHAPE, OK};
use crate::optim::{Adam, Sgd};
use crate::plan::{Mode, Optimizer, Outputs, Plan, PlanError};
use crate::rng;
use std::cell::RefCell;

thread_local! {
    static PLANS: RefCell<Vec<Option<Plan>>> = const { RefCell::new(Vec::new()) };
}

fn plan_status(e: PlanError) -> i32 {
    match e {
        PlanError::Format | PlanError::Arg => ERR_ARG,
        PlanError::Shape => ERR_SHAPE,
    }
}

/// Runs `f` on the plan of `handle`; an unknown handle is `ERR_ARG`.
fn with_plan<R>(handle: u32, f: impl FnOnce(&mut Plan) -> Result<R, i32>) -> Result<R, i32> {
    PLANS.with(|plans| {
        let mut plans = plans.try_borrow_mut().map_err(|_| ERR_ARG)?;
        match plans.get_mut((handle as usize).wrapping_sub(1)) {
            Some(Some(plan)) => f(plan),
            _ => Err(ERR_ARG),
        }
    })
}

/// The forward mode: 0 eval, 1 batch statistics, 2 train, 3 exact-average BatchNorm update with
/// `seen` samples already folded in (a whole number below 2^53).
fn plan_mode(mode: u32, seen: f64) -> Result<Mode, i32> {
    match mode {
        0 => Ok(Mode::Eval),
        1 => Ok(Mode::BatchStats),
        2 => Ok(Mode::Train),
        3 if seen >= 0.0 && seen.fract() == 0.0 && seen < 9.0e15 => Ok(Mode::BnExact { seen: seen as u64 }),
        _ => Err(ERR_ARG),
    }
}

/// Runs `f` with the PRNG state in `words` (4 values, advanced in place), or with a fixed state
/// when there are none (modes that draw nothing).
fn with_rng<R>(words: Option<&mut [u32]>, f: impl FnOnce(&mut rng::State) -> Result<R, i32>) -> Result<R, i32> {
    let mut s = match &words {
        Some(w) => [w[0], w[1], w[2], w[3]],
        None => rng::seed(0, 0),
    };
    let r = f(&mut s);
    if let Some(w) = words {
        w.copy_from_slice(&s);
    }
    r
}

/// The arguments every batch entry shares: θ (`params_len` values) and the batch — a data set (`x`:
/// `count` rows of the input size, `y`: `count` labels) and the `n` sample indices to gather.
#[derive(Clone, Copy)]
struct BatchArgs {
    handle: u32,
    params: *mut f32,
    params_len: u32,
    x: *const f32,
    y: *const u32,
    count: u32,
    indices: *const u32,
    n: u32,
}

/// The per-sample outputs of the entries that compute a loss: `losses[n]`, `correct[n]`, `mean[1]`.
#[derive(Clone, Copy)]
struct LossArgs {
    losses: *mut f32,
    correct: *mut u32,
    mean: *mut f32,
}

/// The prologue of every batch entry: looks up the plan, gathers the batch into its input buffer,
/// views θ, then runs `body(plan, θ, batch size)`.
///
/// # Safety
/// The entry contract (abi module doc) for the pointers of `a`; θ overlaps no other range.
unsafe fn with_batch(a: BatchArgs, body: impl FnOnce(&mut Plan, &mut [f32], usize) -> Result<(), i32>) -> i32 {
    run(|| {
        with_plan(a.handle, |plan| {
            let rows = (a.count as usize).checked_mul(plan.input_size()).ok_or(ERR_SHAPE)?;
            // SAFETY: `view` checks each range; they are only read.
            let (xs, ys, idx) = unsafe { (view(a.x, rows)?, view(a.y, a.count as usize)?, view(a.indices, a.n as usize)?) };
            let nb = plan.load_batch(xs, ys, idx).map_err(plan_status)?;
            // SAFETY: `view` checks the range; the caller keeps θ apart from every other range.
            let params = unsafe { view(a.params, a.params_len as usize)? };
            body(plan, params, nb)
        })
    })
}

/// Views the per-sample outputs of a batch of `nb`.
///
/// # Safety
/// The entry contract (abi module doc) for the pointers of `l`; they overlap no other range.
unsafe fn loss_outputs<'a>(l: LossArgs, nb: usize) -> Result<(Outputs<'a>, &'a mut [f32]), i32> {
    // SAFETY: `view` checks each range; the caller keeps them apart from every other range.
    let (losses, correct, mean) = unsafe { (view(l.losses, nb)?, view(l.correct, nb)?, view(l.mean, 1)?) };
    Ok((Outputs { losses, correct }, mean))
}

/// Compiles plan words for batches of up to `capacity`; writes the handle (≥ 1) to `out_handle`.
///
/// # Safety
/// The entry contract (abi module doc) for `words` and `out_handle` (one u32).
#[no_mangle]
pub unsafe extern "C" fn plan_create(words: *const u32, n_words: u32, capacity: u32, out_handle: *mut u32) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps `out_handle` apart from `words`.
        let (words, out) = unsafe { (view(words, n_words as usize)?, view(out_handle, 1)?) };
        let plan = Plan::parse(words, capacity as usize).map_err(plan_status)?;
        PLANS.with(|plans| {
            let mut plans = plans.try_borrow_mut().map_err(|_| ERR_ARG)?;
            let slot = match plans.iter().position(|p| p.is_none()) {
                Some(i) => i,
                None => {
                    plans.push(None);
                    plans.len() - 1
                }
            };
            plans[slot] = Some(plan);
            out[0] = slot as u32 + 1;
            Ok(())
        })
    })
}

/// Releases a plan and its buffers; an unknown handle is `ERR_ARG`.
#[no_mangle]
pub extern "C" fn plan_free(handle: u32) -> i32 {
    PLANS.with(|plans| match plans.try_borrow_mut() {
        Ok(mut plans) => match plans.get_mut((handle as usize).wrapping_sub(1)) {
            Some(slot @ Some(_)) => {
                *slot = None;
                OK
            }
            _ => ERR_ARG,
        },
        Err(_) => ERR_ARG,
    })
}

/// Forward + per-sample loss and correctness on samples `indices` of a data set, in `mode`
/// (0 eval, 1 batch statistics, 2 train, 3 exact-average BatchNorm update with `seen`).
/// `logits` (n·classes) may be null; `rng` (4 words) may be null outside train mode.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plan_forward(
    handle: u32,
    params: *mut f32,
    params_len: u32,
    x: *const f32,
    y: *const u32,
    count: u32,
    indices: *const u32,
    n: u32,
    mode: u32,
    seen: f64,
    rng: *mut u32,
    losses: *mut f32,
    correct: *mut u32,
    logits: *mut f32,
    mean: *mut f32,
) -> i32 {
    let mode = match plan_mode(mode, seen) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let batch = BatchArgs { handle, params, params_len, x, y, count, indices, n };
    let loss = LossArgs { losses, correct, mean };
    let body = |plan: &mut Plan, params: &mut [f32], nb: usize| {
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (out, mean) = unsafe { loss_outputs(loss, nb)? };
        // SAFETY: as above.
        let (logits, rng) = unsafe { (view_opt(logits, nb * plan.classes)?, view_opt(rng, 4)?) };
        with_rng(rng, |state| plan.forward(params, nb, mode, state).map(|_| ()).map_err(plan_status))?;
        if let Some(logits) = logits {
            logits.copy_from_slice(plan.logits(nb));
        }
        mean[0] = plan.loss(nb, out, false);
        Ok(())
    };
    // SAFETY: this entry's contract covers the prologue's.
    unsafe { with_batch(batch, body) }
}

/// Forward in `mode`, loss, backward: `grads` (params_len) receives ∂(mean loss)/∂θ.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plan_gradient(
    handle: u32,
    params: *mut f32,
    grads: *mut f32,
    params_len: u32,
    x: *const f32,
    y: *const u32,
    count: u32,
    indices: *const u32,
    n: u32,
    mode: u32,
    seen: f64,
    rng: *mut u32,
    losses: *mut f32,
    correct: *mut u32,
    mean: *mut f32,
) -> i32 {
    let mode = match plan_mode(mode, seen) {
        Ok(m) => m,
        Err(e) => return e,
    };
    let batch = BatchArgs { handle, params, params_len, x, y, count, indices, n };
    let loss = LossArgs { losses, correct, mean };
    let body = |plan: &mut Plan, params: &mut [f32], nb: usize| {
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (grads, rng) = unsafe { (view(grads, params_len as usize)?, view_opt(rng, 4)?) };
        // SAFETY: as above.
        let (out, mean) = unsafe { loss_outputs(loss, nb)? };
        mean[0] = with_rng(rng, |state| plan.gradient(params, grads, nb, mode, state, out).map_err(plan_status))?;
        Ok(())
    };
    // SAFETY: this entry's contract covers the prologue's.
    unsafe { with_batch(batch, body) }
}

/// Hessian-vector product of the mean loss over samples `indices` of a data set, in `mode` 0 (eval)
/// or 1 (batch statistics): `hv` (params_len) receives H·v for the direction `v` (params_len; its
/// running-statistic entries are ignored and H·v is 0 there); `grads` (params_len, may be null)
/// the gradient. One call per batch (forward, backward, tangent forward, tangent backward).
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plan_hvp(
    handle: u32,
    params: *mut f32,
    v: *const f32,
    hv: *mut f32,
    grads: *mut f32,
    params_len: u32,
    x: *const f32,
    y: *const u32,
    count: u32,
    indices: *const u32,
    n: u32,
    mode: u32,
    losses: *mut f32,
    correct: *mut u32,
    mean: *mut f32,
) -> i32 {
    let mode = match plan_mode(mode, 0.0) {
        Ok(m) if mode <= 1 => m,
        _ => return ERR_ARG,
    };
    let batch = BatchArgs { handle, params, params_len, x, y, count, indices, n };
    let loss = LossArgs { losses, correct, mean };
    let body = |plan: &mut Plan, params: &mut [f32], nb: usize| {
        let len = params_len as usize;
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (v, hv, grads) = unsafe { (view(v, len)?, view(hv, len)?, view_opt(grads, len)?) };
        // SAFETY: as above.
        let (out, mean) = unsafe { loss_outputs(loss, nb)? };
        mean[0] = plan.hvp(params, v, hv, grads, nb, mode, out).map_err(plan_status)?;
        Ok(())
    };
    // SAFETY: this entry's contract covers the prologue's.
    unsafe { with_batch(batch, body) }
}

/// One training step. `opt` 0 = SGD with hyper [lr, momentum, dampening, weight_decay, nesterov],
/// 1 = Adam with hyper [lr, beta1, beta2, eps, weight_decay, decoupled]. `state_a`/`state_b` are
/// the optimiser buffers (P values each; state_a may be null for SGD without momentum).
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plan_train_step(
    handle: u32,
    params: *mut f32,
    grads: *mut f32,
    params_len: u32,
    opt: u32,
    hyper: *const f32,
    state_a: *mut f32,
    state_b: *mut f32,
    step: u32,
    x: *const f32,
    y: *const u32,
    count: u32,
    indices: *const u32,
    n: u32,
    rng: *mut u32,
    losses: *mut f32,
    correct: *mut u32,
    mean: *mut f32,
) -> i32 {
    if opt > 1 {
        return ERR_ARG;
    }
    let batch = BatchArgs { handle, params, params_len, x, y, count, indices, n };
    let loss = LossArgs { losses, correct, mean };
    let body = |plan: &mut Plan, params: &mut [f32], nb: usize| {
        let p = plan.param_len;
        // SAFETY: `view` checks the range; it is only read.
        let h = unsafe { view(hyper, if opt == 0 { 5 } else { 6 })? };
        let (optimizer, a_len, b_len) = if opt == 0 {
            let sgd = Sgd { lr: h[0], momentum: h[1], dampening: h[2], weight_decay: h[3], nesterov: h[4] != 0.0 };
            (Optimizer::Sgd(sgd), if state_a.is_null() { 0 } else { p }, 0)
        } else {
            let adam = Adam { lr: h[0], beta1: h[1], beta2: h[2], eps: h[3], weight_decay: h[4], decoupled: h[5] != 0.0 };
            (Optimizer::Adam(adam), p, p)
        };
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (grads, sa, sb) = unsafe { (view(grads, params_len as usize)?, view(state_a, a_len)?, view(state_b, b_len)?) };
        // SAFETY: as above.
        let (out, mean) = unsafe { loss_outputs(loss, nb)? };
        // SAFETY: as above.
        let rng = unsafe { view_opt(rng, 4)? };
        mean[0] = with_rng(rng, |state| plan.train_step(params, grads, &optimizer, sa, sb, step, nb, state, out).map_err(plan_status))?;
        Ok(())
    };
    // SAFETY: this entry's contract covers the prologue's.
    unsafe { with_batch(batch, body) }
}

/// Forward (mode 0 eval or 1 batch statistics) on samples `indices` of a data set, then copies the
/// activation buffers `bufs` (k buffer indices) into `out`, one `[n, size]` block per requested
/// buffer in request order; `out_len` must be the sum of n·size. One call per batch.
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn plan_activations(
    handle: u32,
    params: *mut f32,
    params_len: u32,
    x: *const f32,
    y: *const u32,
    count: u32,
    indices: *const u32,
    n: u32,
    mode: u32,
    bufs: *const u32,
    k: u32,
    out: *mut f32,
    out_len: u32,
) -> i32 {
    let mode = match plan_mode(mode, 0.0) {
        Ok(m) if mode <= 1 => m,
        _ => return ERR_ARG,
    };
    let batch = BatchArgs { handle, params, params_len, x, y, count, indices, n };
    let body = |plan: &mut Plan, params: &mut [f32], nb: usize| {
        // SAFETY: `view` checks the range; it is only read.
        let bufs = unsafe { view(bufs, k as usize)? };
        let mut need = 0usize;
        for &b in bufs {
            let size = *plan.sizes.get(b as usize).ok_or(ERR_ARG)?;
            need = need.checked_add(size.checked_mul(nb).ok_or(ERR_SHAPE)?).ok_or(ERR_SHAPE)?;
        }
        if need != out_len as usize {
            return Err(ERR_SHAPE);
        }
        // SAFETY: `view` checks the range; the caller keeps `out` apart from every other range.
        let out = unsafe { view(out, need)? };
        with_rng(None, |state| plan.forward(params, nb, mode, state).map(|_| ()).map_err(plan_status))?;
        let mut at = 0;
        for &b in bufs {
            let len = plan.sizes[b as usize] * nb;
            out[at..at + len].copy_from_slice(&plan.acts[b as usize][..len]);
            at += len;
        }
        Ok(())
    };
    // SAFETY: this entry's contract covers the prologue's.
    unsafe { with_batch(batch, body) }
}
