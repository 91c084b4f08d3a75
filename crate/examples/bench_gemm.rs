//! Native GEMM timing for the benchmark table.
//! `cargo run --release --example bench_gemm -- <layout> m k n reps` with layout ab | atb | abt | atbt
//! (RUSTFLAGS="-C target-cpu=native" recommended). Prints one JSON line: the median seconds of `reps`
//! timed calls after two warm-up calls, and GFLOP/s = 2·m·n·k / median.

use modeconn_core::gemm::{gemm, Bias, Gemm};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 5 {
        eprintln!("usage: bench_gemm <ab|atb|abt|atbt> m k n reps");
        std::process::exit(2);
    }
    let (trans_a, trans_b) = match args[0].as_str() {
        "ab" => (false, false),
        "atb" => (true, false),
        "abt" => (false, true),
        "atbt" => (true, true),
        other => {
            eprintln!("unknown layout {other}: use ab, atb, abt or atbt");
            std::process::exit(2);
        }
    };
    let num = |s: &String| -> usize {
        s.parse().unwrap_or_else(|_| {
            eprintln!("not a number: {s}");
            std::process::exit(2)
        })
    };
    let (m, k, n, reps) = (num(&args[1]), num(&args[2]), num(&args[3]), num(&args[4]).max(1));
    let a: Vec<f32> = (0..m * k).map(|i| ((i * 7 + 3) % 17) as f32 / 17.0 - 0.5).collect();
    let b: Vec<f32> = (0..k * n).map(|i| ((i * 5 + 1) % 13) as f32 / 13.0 - 0.5).collect();
    let mut c = vec![0.0f32; m * n];
    let p = Gemm { m, n, k, trans_a, trans_b, beta: 0.0, relu: false };
    for _ in 0..2 {
        gemm(&p, &a, &b, Bias::None, &mut c);
    }
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let t0 = Instant::now();
            gemm(&p, &a, &b, Bias::None, &mut c);
            t0.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(|x, y| x.partial_cmp(y).unwrap());
    let median = times[times.len() / 2];
    let gflops = 2.0 * (m * n * k) as f64 / median / 1e9;
    let checksum: f64 = c.iter().map(|&x| x as f64).sum();
    println!(
        "{{\"layout\":\"{}\",\"m\":{m},\"k\":{k},\"n\":{n},\"reps\":{reps},\"median_s\":{median:.9},\"gflops\":{gflops:.3},\"checksum\":{checksum:.6}}}",
        args[0]
    );
}
