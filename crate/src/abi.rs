//! The boundary: every `#[no_mangle] extern "C"` function lives here.
