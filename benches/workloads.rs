//! Criterion bench (being built).
fn main() {}
