//! Native timing of the assignment solver: `cargo run --release --example bench_lsa -- 512 [reps]`
//! prints one JSON line with the median milliseconds on uniform [0, 1) costs.
use modeconn_core::hungarian::solve;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(512);
    let reps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    let mut state = 0x9e3779b97f4a7c15u64;
    let cost: Vec<f64> = (0..n * n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    let mut times = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        let a = solve(&cost, n, n, false).expect("feasible");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(a.col_for_row.len(), n);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("{{\"n\":{},\"ms\":{:.3}}}", n, times[times.len() / 2]);
}
