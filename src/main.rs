//! bakeoff command line (being built).
fn main() {}
