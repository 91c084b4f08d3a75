//! Builds tests/fixtures/rng-golden.json: the first outputs of every rng function for a few
//! (seed, stream) pairs, as exact integers (f32 as bit patterns, f64 as hex bit strings).
//! Shared by `examples/rng_golden.rs` (writes it) and `tests/rng_tests.rs` (checks it).

use modeconn_core::rng;

fn list<T: std::fmt::Display>(v: &[T]) -> String {
    let items: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn bits(v: &[f32]) -> String {
    let b: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
    list(&b)
}

/// (seed, stream) pairs in the fixture.
pub const SEEDS: [(u32, u32); 5] = [(0, 0), (1, 0), (0, 1), (42, 7), (0xdead_beef, 0xffff_ffff)];

/// Inputs of the `ln` table (cover the reduction loops and both sides of √2).
#[allow(clippy::approx_constant)] // near √½ and √2 on purpose, not those constants
pub const LN_INPUTS: [f64; 8] = [1e-300, 2.5e-14, 0.001, 0.3, 0.70710678, 1.0, 1.4142136, 12345.678];

/// The fixture text.
pub fn golden_json() -> String {
    let mut cases = Vec::new();
    for &(seed, stream) in SEEDS.iter() {
        let state = rng::seed(seed, stream);
        let mut s = state;
        let mut u = [0u32; 16];
        rng::fill_u32(&mut s, &mut u);
        let mut s = state;
        let mut f = [0f32; 16];
        rng::fill_uniform(&mut s, &mut f);
        let mut s = state;
        let mut nrm = [0f32; 17];
        rng::fill_normal(&mut s, &mut nrm);
        let after_normal = s;
        let mut s = state;
        let mut b7 = [0u32; 16];
        rng::fill_below(&mut s, 7, &mut b7);
        let mut s = state;
        let mut bl = [0u32; 16];
        rng::fill_below(&mut s, 3_000_000_000, &mut bl);
        let mut s = state;
        let mut perm = [0u32; 10];
        rng::permutation(&mut s, &mut perm);
        cases.push(format!(
            "    {{\n      \"seed\": {}, \"stream\": {},\n      \"state\": {},\n      \"u32\": {},\n      \"uniformBits\": {},\n      \"normalBits\": {},\n      \"stateAfterNormal\": {},\n      \"below7\": {},\n      \"below3e9\": {},\n      \"permutation10\": {}\n    }}",
            seed, stream, list(&state), list(&u), bits(&f), bits(&nrm), list(&after_normal),
            list(&b7), list(&bl), list(&perm)
        ));
    }
    let lns: Vec<String> = LN_INPUTS
        .iter()
        .map(|&x| format!("    {{ \"x\": \"{:016x}\", \"ln\": \"{:016x}\" }}", x.to_bits(), rng::ln(x).to_bits()))
        .collect();
    format!(
        "{{\n  \"about\": \"rng golden values from the native crate: cd crate && cargo run --example rng_golden > ../tests/fixtures/rng-golden.json. f32 as u32 bit patterns, f64 as hex bits. Each list starts from the fresh state of its case.\",\n  \"cases\": [\n{}\n  ],\n  \"ln\": [\n{}\n  ]\n}}\n",
        cases.join(",\n"),
        lns.join(",\n")
    )
}
