//! Prints tests/fixtures/rng-golden.json (see tests/common/golden.rs).
#[path = "../tests/common/golden.rs"]
mod golden;

fn main() {
    print!("{}", golden::golden_json());
}
