//! Backend tests against a real PostgreSQL: each test gets a fresh, migrated database. One test
//! binary for the crate (faster to build than one per file).
#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

/// A backend test: `#[sqlx::test]` on a fresh, migrated database, then the invariants every
/// test must leave standing ([`support::invariants`]), whatever the body did:
///
/// ```ignore
/// roster_test! {
/// /// What it proves.
/// async fn name(pool: PgPool) {
///     ...
/// }
/// }
/// ```
///
/// The test stays at the margin inside the braces (rustfmt leaves macro input alone, so the
/// body keeps the layout it had). The body runs as an async block of its own, so it may move,
/// close or drop its pool and return early; the check connects afresh with the options of a
/// clone taken before. A test given `(options: PgPoolOptions, connect: PgConnectOptions)`
/// builds its own pool; the check gets a lazy one (never connected) for the same database.
macro_rules! roster_test {
    ($(#[$attr:meta])* async fn $name:ident($pool:ident: $pool_type:ty $(,)?) $body:block) => {
        $(#[$attr])*
        #[sqlx::test(migrations = "../migrations")]
        async fn $name($pool: $pool_type) {
            let checked = $pool.clone();
            async move $body.await;
            crate::support::invariants(&checked).await;
        }
    };
    (
        $(#[$attr:meta])*
        async fn $name:ident(
            $options:ident: $options_type:ty, $connect:ident: $connect_type:ty $(,)?
        ) $body:block
    ) => {
        $(#[$attr])*
        #[sqlx::test(migrations = "../migrations")]
        async fn $name($options: $options_type, $connect: $connect_type) {
            let checked =
                ::sqlx::postgres::PgPoolOptions::new().connect_lazy_with($connect.clone());
            async move $body.await;
            crate::support::invariants(&checked).await;
        }
    };
}

mod audit;
mod auth;
mod authorization;
mod directory;
mod escalation;
mod hierarchy;
mod lifecycle;
mod roles;
mod schema;
mod support;
mod teams;
mod throttle;
mod users;
