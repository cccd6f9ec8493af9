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
/// close or drop its pool and return early; the check connects afresh, as the owner.
///
/// The code under test works as the server does, as `roster_app` ([`support::as_app`]): the
/// pool a test is given connects as that role, and a test given `(options: PgPoolOptions,
/// connect: PgConnectOptions)` gets options for it and builds its own pool. Arrangement
/// ([`support::all_tenants`]) and the invariants connect as the owner of the tables.
macro_rules! roster_test {
    ($(#[$attr:meta])* async fn $name:ident($pool:ident: $pool_type:ty $(,)?) $body:block) => {
        $(#[$attr])*
        #[sqlx::test(migrations = "../migrations")]
        async fn $name(
            options: ::sqlx::postgres::PgPoolOptions,
            connect: ::sqlx::postgres::PgConnectOptions,
        ) {
            let connect = crate::support::as_app(connect);
            let $pool: $pool_type = options.connect_lazy_with(connect.clone());
            async move $body.await;
            crate::support::invariants(&connect).await;
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
            let $connect = crate::support::as_app($connect);
            let checked = $connect.clone();
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
