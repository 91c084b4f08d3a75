//! Seeded PRNG whose streams are bit-identical natively, in WASM and in the TS twin.
//!
//! xoshiro128** over a caller-held state of 4 u32 words, seeded by a splitmix32-style mixer from
//! `(seed, stream)`. Only 32-bit integer ops and IEEE f64 `+ − × ÷ sqrt` appear (no libm, no FMA),
//! so the TS twin reproduces every output exactly with `Math.imul` and `>>> 0`.

/// The caller-held generator state: 4 words, never all zero.
pub type State = [u32; 4];

/// The 32-bit finaliser of MurmurHash3: a bijection on u32 with full avalanche.
#[inline]
fn fmix32(mut z: u32) -> u32 {
    z = (z ^ (z >> 16)).wrapping_mul(0x85eb_ca6b);
    z = (z ^ (z >> 13)).wrapping_mul(0xc2b2_ae35);
    z ^ (z >> 16)
}

/// The state for `(seed, stream)`. Word i is `fmix32(x_i ^ fmix32(y_i))` with `x_i = seed + (i+1)·φ`
/// and `y_i = (stream ^ 0x6a09e667) + (i+1)·0xbb67ae85`, so for a fixed stream distinct seeds give
/// distinct states, and streams of one seed are decorrelated.
pub fn seed(seed: u32, stream: u32) -> State {
    let mut s = [0u32; 4];
    let mut x = seed;
    let mut y = stream ^ 0x6a09_e667;
    for w in s.iter_mut() {
        x = x.wrapping_add(0x9e37_79b9);
        y = y.wrapping_add(0xbb67_ae85);
        *w = fmix32(x ^ fmix32(y));
    }
    if s == [0, 0, 0, 0] {
        // The one fixed point of xoshiro; unreachable in practice but cheap to rule out.
        s[0] = 1;
    }
    s
}

/// Next u32 of xoshiro128**.
#[inline]
pub fn next_u32(s: &mut State) -> u32 {
    let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
    let t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s[3].rotate_left(11);
    result
}

/// Uniform f32 in [0, 1): the top 24 bits of one u32, times 2^-24 (exact).
#[inline]
pub fn uniform(s: &mut State) -> f32 {
    (next_u32(s) >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// Uniform integer in [0, n) without modulo bias (`n ≥ 1`): draws below `2^32 mod n` are rejected.
#[inline]
pub fn below(s: &mut State, n: u32) -> u32 {
    debug_assert!(n >= 1);
    // (2^32 − n) mod n == 2^32 mod n: the size of the short last bucket.
    let threshold = n.wrapping_neg() % n;
    loop {
        let r = next_u32(s);
        if r >= threshold {
            return r % n;
        }
    }
}

/// Writes a uniformly random permutation of `0..out.len()` (Fisher–Yates, i from n−1 down to 1,
/// swapping with `below(i + 1)`).
pub fn permutation(s: &mut State, out: &mut [u32]) {
    for (i, v) in out.iter_mut().enumerate() {
        *v = i as u32;
    }
    let mut i = out.len();
    while i > 1 {
        i -= 1;
        let j = below(s, i as u32 + 1) as usize;
        out.swap(i, j);
    }
}

/// Natural logarithm of a positive finite f64 from `+ − × ÷` only, evaluated in a fixed order so
/// that every platform (and the TS twin) returns the same bits. Error ≲ 2 ulp.
///
/// x = m·2^k with m ∈ [√½, √2) by exact scalings by powers of two; ln m = 2·atanh(f) with
/// f = (m−1)/(m+1), |f| ≤ 0.1716, summed as an odd series to f^23 (truncation < 1e-19).
#[allow(clippy::neg_cmp_op_on_partial_ord)] // `!(x > 0)` is deliberate: NaN takes the special-case branch.
pub fn ln(x: f64) -> f64 {
    if !(x > 0.0) || x == f64::INFINITY {
        return if x == 0.0 {
            f64::NEG_INFINITY
        } else if x > 0.0 {
            x
        } else {
            f64::NAN
        };
    }
    const TWO32: f64 = 4_294_967_296.0;
    const SQRT_HALF: f64 = std::f64::consts::FRAC_1_SQRT_2;
    const SQRT_TWO: f64 = std::f64::consts::SQRT_2;
    const LN2_HI: f64 = 0.693_147_180_369_123_8; // 2^-1 · (33-bit mantissa): k·LN2_HI is exact
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let mut m = x;
    let mut k: i32 = 0;
    while m < 1.0 / TWO32 {
        m *= TWO32;
        k -= 32;
    }
    while m >= TWO32 {
        m *= 1.0 / TWO32;
        k += 32;
    }
    while m < SQRT_HALF {
        m *= 2.0;
        k -= 1;
    }
    while m >= SQRT_TWO {
        m *= 0.5;
        k += 1;
    }
    let f = (m - 1.0) / (m + 1.0);
    let f2 = f * f;
    // Horner over 1/3, 1/5, …, 1/23 (odd reciprocals, each a correctly rounded division).
    let mut p = 1.0 / 23.0;
    let mut d = 21.0;
    while d > 2.0 {
        p = 1.0 / d + f2 * p;
        d -= 2.0;
    }
    let lnm = 2.0 * f + 2.0 * f * (f2 * p);
    let kf = k as f64;
    kf * LN2_HI + (kf * LN2_LO + lnm)
}

/// A pair of independent standard normals (Marsaglia's polar method). The uniforms are 24-bit
/// (`2·uniform − 1`, exact in f64); `s = u² + v²` in f64; rejected unless `0 < s < 1`;
/// factor `sqrt((−2·ln s) / s)`; each output rounded once to f32.
pub fn normal_pair(st: &mut State) -> (f32, f32) {
    loop {
        let u = 2.0 * uniform(st) as f64 - 1.0;
        let v = 2.0 * uniform(st) as f64 - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            let f = ((-2.0 * ln(s)) / s).sqrt();
            return ((u * f) as f32, (v * f) as f32);
        }
    }
}

/// Fills `out` with u32 draws.
pub fn fill_u32(s: &mut State, out: &mut [u32]) {
    for v in out.iter_mut() {
        *v = next_u32(s);
    }
}

/// Fills `out` with uniforms in [0, 1).
pub fn fill_uniform(s: &mut State, out: &mut [f32]) {
    for v in out.iter_mut() {
        *v = uniform(s);
    }
}

/// Fills `out` with integers in [0, n), `n ≥ 1`.
pub fn fill_below(s: &mut State, n: u32, out: &mut [u32]) {
    for v in out.iter_mut() {
        *v = below(s, n);
    }
}

/// Fills `out` with standard normals, pairs in order; for an odd length the second value of the
/// last pair is discarded (so a stream of length 2k+1 is a prefix of the one of length 2k+2).
pub fn fill_normal(s: &mut State, out: &mut [f32]) {
    let mut chunks = out.chunks_exact_mut(2);
    for pair in &mut chunks {
        let (a, b) = normal_pair(s);
        pair[0] = a;
        pair[1] = b;
    }
    let rest = chunks.into_remainder();
    if let Some(last) = rest.first_mut() {
        *last = normal_pair(s).0;
    }
}
