//! The boundary: every `#[no_mangle] extern "C"` function lives under this module and nowhere else,
//! one file per concern (mem, vec, rng, optim, gemm, conv, norm, act, plan, align). The names match
//! ts/wasm/abi.ts.
//!
//! Pointers are byte offsets into linear memory (u32 on wasm32), lengths are element counts. Every
//! entry returns an `i32` status (`OK` or an `ERR_*` code) and builds each slice through `view`,
//! which checks the range first, so a bad argument is a status, never a trap and never a panic.
//!
//! The contract of every `unsafe` entry (its `# Safety` section adds the specifics): each pointer
//! addresses the stated number of elements, readable (inputs) or writable (outputs), for the whole
//! call, and a range that is written overlaps no other range of the call unless the entry allows it
//! (in-place forms). `view` catches a null, misaligned or out-of-memory range on wasm32; it cannot
//! see overlaps, nor (natively, where memory has no known size) ranges outside live allocations.

mod act;
mod align;
mod conv;
mod gemm;
mod mem;
mod norm;
mod optim;
mod plan;
mod rng;
mod vec;

pub use act::*;
pub use align::*;
pub use conv::*;
pub use gemm::*;
pub use mem::*;
pub use norm::*;
pub use optim::*;
pub use plan::*;
pub use rng::*;
pub use vec::*;

/// Success.
pub const OK: i32 = 0;
/// Dimensions inconsistent with each other or with a buffer length.
pub const ERR_SHAPE: i32 = 1;
/// An enum, flag or scalar argument out of its range.
pub const ERR_ARG: i32 = 2;
/// A pointer range that is null, misaligned or outside linear memory.
pub const ERR_BOUNDS: i32 = 3;
/// The allocator could not satisfy a request.
pub const ERR_ALLOC: i32 = 4;

/// Bytes of linear memory currently addressable (wasm32); unbounded natively.
#[inline]
fn memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size::<0>() * 65536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        usize::MAX
    }
}

/// Element types a view may hold: plain numbers, valid for every bit pattern.
///
/// # Safety
/// An implementor has no padding and no invalid bit patterns, so any initialised bytes are a value.
pub(crate) unsafe trait Element: Copy {}
// SAFETY: f32, u32 and f64 are plain numbers: no padding, every bit pattern is a value.
unsafe impl Element for f32 {}
// SAFETY: as above.
unsafe impl Element for u32 {}
// SAFETY: as above.
unsafe impl Element for f64 {}

/// A raw pointer that `view` turns into a slice: `*const T` gives `&[T]`, `*mut T` gives `&mut [T]`.
pub(crate) trait Raw<'a>: Copy {
    /// The element type.
    type Elem: Element;
    /// The slice type of a view.
    type View;
    /// The byte address.
    fn addr(self) -> usize;
    /// The empty view (any pointer, length 0).
    fn empty() -> Self::View;
    /// The slice of `len` elements at the pointer.
    ///
    /// # Safety
    /// `len` elements at the pointer are valid for `'a` (read, or read and written for `*mut`),
    /// aligned, and not aliased by a live mutable reference (nor, for `*mut`, by any reference).
    unsafe fn slice(self, len: usize) -> Self::View;
}

impl<'a, T: Element + 'a> Raw<'a> for *const T {
    type Elem = T;
    type View = &'a [T];
    #[inline]
    fn addr(self) -> usize {
        self as usize
    }
    #[inline]
    fn empty() -> &'a [T] {
        &[]
    }
    #[inline]
    unsafe fn slice(self, len: usize) -> &'a [T] {
        // SAFETY: forwarded from the caller (see `Raw::slice`).
        unsafe { core::slice::from_raw_parts(self, len) }
    }
}

impl<'a, T: Element + 'a> Raw<'a> for *mut T {
    type Elem = T;
    type View = &'a mut [T];
    #[inline]
    fn addr(self) -> usize {
        self as usize
    }
    #[inline]
    fn empty() -> &'a mut [T] {
        &mut []
    }
    #[inline]
    unsafe fn slice(self, len: usize) -> &'a mut [T] {
        // SAFETY: forwarded from the caller (see `Raw::slice`).
        unsafe { core::slice::from_raw_parts_mut(self, len) }
    }
}

/// A checked view of `len` elements at `ptr`: `ERR_BOUNDS` when the range is null, misaligned for
/// the element type, overflows, or ends past linear memory. A zero length gives an empty slice for
/// any pointer. The one place the ABI makes a slice from a pointer.
///
/// # Safety
/// When the checks pass, the range must satisfy the entry contract (module doc) for the lifetime
/// `'a` the caller picks; keep `'a` within the call.
#[inline]
pub(crate) unsafe fn view<'a, P: Raw<'a>>(ptr: P, len: usize) -> Result<P::View, i32> {
    if len == 0 {
        return Ok(P::empty());
    }
    let bytes = len.checked_mul(core::mem::size_of::<P::Elem>()).ok_or(ERR_BOUNDS)?;
    let (start, align) = (ptr.addr(), core::mem::align_of::<P::Elem>());
    if start == 0 || start % align != 0 {
        return Err(ERR_BOUNDS);
    }
    match start.checked_add(bytes) {
        Some(end) if end <= memory_bytes() => {}
        _ => return Err(ERR_BOUNDS),
    }
    // SAFETY: the range is non-null, aligned and inside linear memory (checked above); validity
    // for 'a and the absence of aliases are the caller's contract.
    Ok(unsafe { ptr.slice(len) })
}

/// `view`, or `None` for a null pointer (an optional input, or an output to skip).
///
/// # Safety
/// As for `view`.
#[inline]
pub(crate) unsafe fn view_opt<'a, P: Raw<'a>>(ptr: P, len: usize) -> Result<Option<P::View>, i32> {
    if ptr.addr() == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded from the caller.
    unsafe { view(ptr, len) }.map(Some)
}

/// Runs an entry's body and turns its `Result` into a status code.
#[inline]
pub(crate) fn run(body: impl FnOnce() -> Result<(), i32>) -> i32 {
    match body() {
        Ok(()) => OK,
        Err(code) => code,
    }
}

/// A 0/1 flag.
pub(crate) fn flag(v: u32) -> Result<bool, i32> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(ERR_ARG),
    }
}
