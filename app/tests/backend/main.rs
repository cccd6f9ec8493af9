//! Backend tests against a real PostgreSQL: each test gets a fresh, migrated database. One test
//! binary for the crate (faster to build than one per file).
#![cfg(feature = "ssr")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

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
