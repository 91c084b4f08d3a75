//! Memory: 16-byte aligned blocks for the TS owner of linear memory (ts/wasm/kernel.ts), and the
//! trap hook its recovery test uses.

use super::{ERR_ARG, OK};
use std::alloc::{alloc, alloc_zeroed, dealloc, Layout};

/// Alignment of every allocation: one v128.
const ALIGN: usize = 16;

/// A block of `bytes` aligned to 16, zeroed or not; 0 on failure or for a zero size.
fn alloc_block(bytes: u32, zeroed: bool) -> u32 {
    if bytes == 0 {
        return 0;
    }
    match Layout::from_size_align(bytes as usize, ALIGN) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { (if zeroed { alloc_zeroed(layout) } else { alloc(layout) }) as usize as u32 },
        Err(_) => 0,
    }
}

/// Allocates `bytes` zeroed bytes aligned to 16; returns 0 on failure or for a zero size.
#[no_mangle]
pub extern "C" fn mem_alloc(bytes: u32) -> u32 {
    alloc_block(bytes, true)
}

/// Allocates `bytes` bytes aligned to 16 without clearing them (for blocks the caller fills at
/// once); returns 0 on failure or for a zero size. Freed with `mem_free`, like `mem_alloc`'s.
#[no_mangle]
pub extern "C" fn mem_alloc_uninit(bytes: u32) -> u32 {
    alloc_block(bytes, false)
}

/// Frees a block from `mem_alloc` or `mem_alloc_uninit`; `bytes` must be the size it was allocated
/// with. A null pointer or a zero size does nothing.
///
/// # Safety
/// `ptr` is 0 or a live block from `mem_alloc`/`mem_alloc_uninit` of exactly `bytes` bytes, freed
/// once, with no view of it in use.
#[no_mangle]
pub unsafe extern "C" fn mem_free(ptr: u32, bytes: u32) -> i32 {
    if ptr == 0 || bytes == 0 {
        return OK;
    }
    match Layout::from_size_align(bytes as usize, ALIGN) {
        Ok(layout) => {
            // SAFETY: the caller frees each block once with its allocation size (the layout).
            unsafe { dealloc(ptr as usize as *mut u8, layout) };
            OK
        }
        Err(_) => ERR_ARG,
    }
}

/// Executes `unreachable`: the test hook proving a trap surfaces as a typed error and the
/// instance is re-created. Never called by the library; natively it returns `ERR_ARG`.
#[no_mangle]
pub extern "C" fn debug_trap() -> i32 {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    ERR_ARG
}
