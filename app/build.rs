// The migrations are embedded at compile time (sqlx::migrate! and #[sqlx::test]); rebuild when
// one changes, as cargo does not see files read by macros on stable Rust.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
