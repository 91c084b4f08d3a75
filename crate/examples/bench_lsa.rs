//! Native timing of the assignment solver, the "native" column of `bench/lsa.bench.mjs`.
//!
//! `cargo run --release --example bench_lsa -- FILE N min|max REPS [FILE N min|max REPS ...]`
//! reads each FILE (an N×N row-major matrix of little-endian f64, as the JS bench writes them),
//! solves it once untimed, then REPS timed times, and prints one JSON line per matrix:
//! `{"file":…,"n":…,"ms":<median>,"reps":…,"cost":<total in row order>,"valid":<a permutation>}`.
//! `cargo run --release --example bench_lsa -- 512 [REPS]` times uniform [0, 1) costs of its own.
use modeconn_core::hungarian::solve;
use std::time::Instant;

fn median_ms(cost: &[f64], n: usize, maximize: bool, reps: usize) -> (f64, f64, bool) {
    let first = solve(cost, n, n, maximize).expect("feasible");
    let mut seen = vec![false; n];
    let mut valid = first.col_for_row.len() == n;
    let mut total = 0.0;
    for (i, &j) in first.col_for_row.iter().enumerate() {
        let j = j as usize;
        if j >= n || seen[j] {
            valid = false;
            break;
        }
        seen[j] = true;
        total += cost[i * n + j];
    }
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let a = solve(cost, n, n, maximize).expect("feasible");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(a.col_for_row.len(), n);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mid = times.len() / 2;
    let ms = if times.len() % 2 == 1 { times[mid] } else { 0.5 * (times[mid - 1] + times[mid]) };
    (ms, total, valid)
}

fn read_matrix(path: &str, n: usize) -> Vec<f64> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {}", path, e));
    assert_eq!(bytes.len(), n * n * 8, "{}: expected {} bytes for n = {}", path, n * n * 8, n);
    bytes.chunks_exact(8).map(|b| f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])).collect()
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn own_uniform(n: usize, reps: usize) {
    let mut state = 0x9e3779b97f4a7c15u64;
    let cost: Vec<f64> = (0..n * n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect();
    let (ms, total, valid) = median_ms(&cost, n, false, reps);
    println!("{{\"n\":{},\"ms\":{:.3},\"reps\":{},\"cost\":{:?},\"valid\":{}}}", n, ms, reps, total, valid);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map_or(true, |a| a.parse::<usize>().is_ok()) {
        let n = args.first().and_then(|s| s.parse().ok()).unwrap_or(512);
        let reps = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
        own_uniform(n, reps);
        return;
    }
    if args.len() % 4 != 0 {
        eprintln!("usage: bench_lsa FILE N min|max REPS [FILE N min|max REPS ...]  |  bench_lsa N [REPS]");
        std::process::exit(2);
    }
    for spec in args.chunks(4) {
        let n: usize = spec[1].parse().expect("N");
        let maximize = match spec[2].as_str() {
            "max" => true,
            "min" => false,
            other => panic!("sense must be min or max, got {}", other),
        };
        let reps: usize = spec[3].parse().expect("REPS");
        let cost = read_matrix(&spec[0], n);
        let (ms, total, valid) = median_ms(&cost, n, maximize, reps);
        println!(
            "{{\"file\":{},\"n\":{},\"ms\":{:.4},\"reps\":{},\"cost\":{:?},\"valid\":{}}}",
            json_str(&spec[0]),
            n,
            ms,
            reps.max(1),
            total,
            valid
        );
    }
}
