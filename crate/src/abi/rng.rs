//! PRNG and dropout entries. A generator state is 4 u32 words in linear memory (crate::rng); every
//! drawing entry reads it, advances it, and writes it back.

use super::{run, view, ERR_ARG};
use crate::{dropout, rng};

/// Runs `f` on the generator state held in `words` (4 values), writing the advanced state back.
fn advance(words: &mut [u32], f: impl FnOnce(&mut rng::State)) {
    let mut s = [words[0], words[1], words[2], words[3]];
    f(&mut s);
    words.copy_from_slice(&s);
}

/// Writes the generator state for `(seed, stream)` into `state` (4 words).
///
/// # Safety
/// The entry contract (abi module doc) for `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_seed(state: *mut u32, seed: u32, stream: u32) -> i32 {
    run(|| {
        // SAFETY: `view` checks the range; it is the only one of the call.
        let words = unsafe { view(state, 4)? };
        words.copy_from_slice(&rng::seed(seed, stream));
        Ok(())
    })
}

/// Fills `out[len]` with u32 draws, advancing `state`.
///
/// # Safety
/// The entry contract (abi module doc); `out` does not overlap `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_u32(state: *mut u32, out: *mut u32, len: u32) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps them apart.
        let (out, words) = unsafe { (view(out, len as usize)?, view(state, 4)?) };
        advance(words, |s| rng::fill_u32(s, out));
        Ok(())
    })
}

/// Fills `out[len]` with uniforms in [0, 1), advancing `state`.
///
/// # Safety
/// The entry contract (abi module doc); `out` does not overlap `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_uniform(state: *mut u32, out: *mut f32, len: u32) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps them apart.
        let (out, words) = unsafe { (view(out, len as usize)?, view(state, 4)?) };
        advance(words, |s| rng::fill_uniform(s, out));
        Ok(())
    })
}

/// Fills `out[len]` with standard normals (pairs; an odd tail discards one value).
///
/// # Safety
/// The entry contract (abi module doc); `out` does not overlap `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_normal(state: *mut u32, out: *mut f32, len: u32) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps them apart.
        let (out, words) = unsafe { (view(out, len as usize)?, view(state, 4)?) };
        advance(words, |s| rng::fill_normal(s, out));
        Ok(())
    })
}

/// Fills `out[len]` with integers in [0, n); `n = 0` is `ERR_ARG`.
///
/// # Safety
/// The entry contract (abi module doc); `out` does not overlap `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_below(state: *mut u32, n: u32, out: *mut u32, len: u32) -> i32 {
    run(|| {
        if n == 0 {
            return Err(ERR_ARG);
        }
        // SAFETY: `view` checks each range; the caller keeps them apart.
        let (out, words) = unsafe { (view(out, len as usize)?, view(state, 4)?) };
        advance(words, |s| rng::fill_below(s, n, out));
        Ok(())
    })
}

/// Writes a random permutation of 0..n into `out[n]`.
///
/// # Safety
/// The entry contract (abi module doc); `out` does not overlap `state`.
#[no_mangle]
pub unsafe extern "C" fn rng_permutation(state: *mut u32, out: *mut u32, n: u32) -> i32 {
    run(|| {
        // SAFETY: `view` checks each range; the caller keeps them apart.
        let (out, words) = unsafe { (view(out, n as usize)?, view(state, 4)?) };
        advance(words, |s| rng::permutation(s, out));
        Ok(())
    })
}

/// Dropout forward over `len` values: `y = x · mask`, mask drawn from `state`; p ∈ [0, 1).
///
/// # Safety
/// The entry contract (abi module doc); no written range overlaps another range of the call.
#[no_mangle]
pub unsafe extern "C" fn dropout_forward(state: *mut u32, x: *const f32, y: *mut f32, mask: *mut f32, len: u32, p: f32) -> i32 {
    run(|| {
        if !(0.0..1.0).contains(&p) {
            return Err(ERR_ARG);
        }
        let n = len as usize;
        // SAFETY: `view` checks each range; the caller keeps the written ranges apart.
        let (x, y, mask, words) = unsafe { (view(x, n)?, view(y, n)?, view(mask, n)?, view(state, 4)?) };
        advance(words, |s| dropout::forward(p, s, x, y, mask));
        Ok(())
    })
}

/// Dropout backward: `dx = dy · mask`.
///
/// # Safety
/// The entry contract (abi module doc); `dx` overlaps neither input.
#[no_mangle]
pub unsafe extern "C" fn dropout_backward(dy: *const f32, mask: *const f32, dx: *mut f32, len: u32) -> i32 {
    run(|| {
        let n = len as usize;
        // SAFETY: `view` checks each range; the caller keeps `dx` apart from the inputs.
        let (dy, mask, dx) = unsafe { (view(dy, n)?, view(mask, n)?, view(dx, n)?) };
        dropout::backward(dy, mask, dx);
        Ok(())
    })
}
