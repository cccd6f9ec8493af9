//! Throttling of failed sign-ins, per account and per source address, with state in Postgres.
//!
//! After `free_failures` consecutive failures each further attempt must wait twice as long as the
//! one before (1 s, 2 s, 4 s, … capped at `max_delay`), and no key may fail more than
//! `hourly_cap` times in an hour. A success resets the account's counters.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;

/// The limits for one kind of key.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub free_failures: i32,
    pub max_delay: Duration,
    pub hourly_cap: i32,
}

/// Per account (tenant + login): five free failures, then exponential, at most 100 an hour.
pub const ACCOUNT: Limits =
    Limits { free_failures: 5, max_delay: Duration::minutes(15), hourly_cap: 100 };
/// Per address: more forgiving (offices share addresses), same shape.
pub const ADDRESS: Limits =
    Limits { free_failures: 50, max_delay: Duration::minutes(15), hourly_cap: 1000 };

/// A throttled thing: which scope and which key.
#[derive(Clone, Debug)]
pub struct Key {
    scope: &'static str,
    key: String,
    limits: Limits,
}

impl Key {
    /// An account as typed at sign-in: the same key whether or not the account exists. Stored
    /// as a SHA-256, because people sometimes type a password into the login field.
    pub fn account(tenant: &str, login: &str) -> Self {
        use sha2::{Digest, Sha256};
        let typed = format!("{}/{}", tenant.trim().to_lowercase(), login.trim().to_lowercase());
        let key = format!("{:x}", Sha256::digest(typed.as_bytes()));
        Self { scope: "account", key, limits: ACCOUNT }
    }

    /// A source address.
    pub fn address(ip: std::net::IpAddr) -> Self {
        Self { scope: "address", key: ip.to_string(), limits: ADDRESS }
    }
}

/// Seconds to wait before `key` may be tried again, if it is blocked now.
pub async fn blocked_for(
    pool: &PgPool,
    key: &Key,
    now: DateTime<Utc>,
) -> Result<Option<u64>, sqlx::Error> {
    let row = sqlx::query!(
        "select blocked_until, window_started_at, window_failures from auth_throttle
          where scope = $1 and key = $2",
        key.scope,
        key.key
    )
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let window_end = row.window_started_at + Duration::hours(1);
    let capped =
        (row.window_failures >= key.limits.hourly_cap && window_end > now).then_some(window_end);
    let until = [row.blocked_until.filter(|t| *t > now), capped].into_iter().flatten().max();
    Ok(until.map(|t| (t - now).num_seconds().max(1).unsigned_abs()))
}

/// Counts a failure atomically (concurrent attempts each count) and sets the next wait.
pub async fn record_failure(
    pool: &PgPool,
    key: &Key,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let limits = key.limits;
    sqlx::query!(
        r#"insert into auth_throttle as t (scope, key, consecutive_failures, window_started_at,
                                           window_failures, blocked_until, updated_at)
           values ($1, $2, 1, $3, 1, null, $3)
           on conflict (scope, key) do update set
               consecutive_failures = t.consecutive_failures + 1,
               window_started_at = case when t.window_started_at <= $3 - interval '1 hour'
                                        then $3 else t.window_started_at end,
               window_failures = case when t.window_started_at <= $3 - interval '1 hour'
                                      then 1 else t.window_failures + 1 end,
               -- 2^(n - free) seconds once past the free failures, capped.
               blocked_until = case when t.consecutive_failures + 1 >= $4
                   then $3 + least(power(2, t.consecutive_failures + 1 - $4) * interval '1 second', $5)
                   else null end,
               updated_at = $3"#,
        key.scope,
        key.key,
        now,
        limits.free_failures,
        pg_interval(limits.max_delay),
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Clears a key after a successful sign-in.
pub async fn record_success(pool: &PgPool, key: &Key) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from auth_throttle where scope = $1 and key = $2", key.scope, key.key)
        .execute(pool)
        .await?;
    Ok(())
}

fn pg_interval(d: Duration) -> sqlx::postgres::types::PgInterval {
    sqlx::postgres::types::PgInterval {
        months: 0,
        days: 0,
        microseconds: d.num_microseconds().unwrap_or(i64::MAX),
    }
}
