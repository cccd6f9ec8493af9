//! Throttling of password checks (sign-in, and the current password of a password change), per
//! account and per source address, with state in Postgres.
//!
//! **Counted before it is checked.** [`attempt`] counts an attempt as a failure *before* its
//! password is verified, in one transaction holding the keys' row locks, and refuses it there
//! when a key is waiting. Parallel attempts queue on the row, so at most the free failures ever
//! reach argon2, however many arrive together. A right password then takes its count back
//! ([`succeeded`]): an account's counters are cleared, an address's one attempt is undone.
//!
//! **The limits.** After `free_failures` consecutive failures each further attempt must wait
//! twice as long as the one before (1 s, 2 s, 4 s, … capped at `max_delay`), and no key may fail
//! more than `hourly_cap` times in an hour.
//!
//! **Refusals aggregated.** A refused attempt costs one row update and no audit event, except the
//! first refusal of each wait of a key ([`Attempt::Refused::record`]). The refusals in between
//! are counted on the key's row and reported, as `suppressed`, on the next event recorded for
//! that key (the next wait's first refusal, or the next attempt that is let through). So the
//! trail gains at most one event per key and wait, and waits only begin after counted failures,
//! each of which costs an argon2 verification: no request rate grows the trail without bound.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// The limits for one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub free_failures: i32,
    pub max_delay: Duration,
    pub hourly_cap: i32,
}

/// Per account: five free failures, then exponential, at most 100 an hour.
pub const ACCOUNT: Limits =
    Limits { free_failures: 5, max_delay: Duration::minutes(15), hourly_cap: 100 };
/// Per address: more forgiving (offices share addresses), same shape.
pub const ADDRESS: Limits =
    Limits { free_failures: 50, max_delay: Duration::minutes(15), hourly_cap: 1000 };

/// A throttled thing: which scope and which key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    scope: &'static str,
    key: String,
    limits: Limits,
}

impl Key {
    /// An existing account: one bucket whichever of its identifiers was typed.
    pub fn user(id: Uuid) -> Self {
        Self { scope: "account", key: format!("user:{id}"), limits: ACCOUNT }
    }

    /// A login that names no account, as typed: throttled exactly like a real one, so the
    /// throttle does not tell which accounts exist. Stored as a SHA-256, because people
    /// sometimes type a password into the login field.
    pub fn typed(tenant: &str, login: &str) -> Self {
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

/// What [`attempt`] decided.
#[derive(Debug)]
pub enum Attempt {
    /// Let through and counted as a failure on every key: verify the password, and call
    /// [`succeeded`] when it is right.
    Counted(Counted),
    /// Refused before any password is checked.
    Refused {
        /// Seconds until the key may be tried again.
        retry_after: u64,
        /// `Some(suppressed)` when this is the first refusal of the wait and must be recorded,
        /// with the count of earlier refusals that were not; `None`: record nothing.
        record: Option<i32>,
    },
}

/// An attempt let through, with what [`succeeded`] needs to take its count back.
#[derive(Debug)]
pub struct Counted {
    /// Each key with the wait this attempt set on it.
    keys: Vec<(Key, Option<DateTime<Utc>>)>,
    /// Refusals on these keys not yet recorded: to report on this attempt's event.
    pub suppressed: i32,
}

/// A key's row.
#[derive(Clone, Debug, PartialEq)]
struct State {
    consecutive_failures: i32,
    window_started_at: DateTime<Utc>,
    window_failures: i32,
    blocked_until: Option<DateTime<Utc>>,
    unrecorded_refusals: i32,
    recorded_wait_end: Option<DateTime<Utc>>,
}

impl State {
    /// When the key's wait ends, if it is waiting at `now`.
    fn wait_end(&self, limits: Limits, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let window_end = self.window_started_at + Duration::hours(1);
        let capped =
            (self.window_failures >= limits.hourly_cap && window_end > now).then_some(window_end);
        [self.blocked_until.filter(|t| *t > now), capped].into_iter().flatten().max()
    }

    /// Counts one failure and sets the wait before the next attempt: 2^(n - free) seconds once
    /// past the free failures, capped.
    fn count_failure(&mut self, limits: Limits, now: DateTime<Utc>) {
        if self.window_started_at <= now - Duration::hours(1) {
            self.window_started_at = now;
            self.window_failures = 0;
        }
        self.consecutive_failures += 1;
        self.window_failures += 1;
        let beyond = self.consecutive_failures - limits.free_failures;
        self.blocked_until = (beyond >= 0).then(|| {
            let seconds = 2_i64.checked_pow(beyond.unsigned_abs()).unwrap_or(i64::MAX);
            now + Duration::seconds(seconds.min(limits.max_delay.num_seconds()))
        });
    }

    /// Counts a refusal during the wait ending at `end`; `Some(suppressed)` when it is the
    /// wait's first and must be recorded.
    fn refuse(&mut self, end: DateTime<Utc>) -> Option<i32> {
        if self.recorded_wait_end == Some(end) {
            self.unrecorded_refusals += 1;
            None
        } else {
            self.recorded_wait_end = Some(end);
            Some(std::mem::take(&mut self.unrecorded_refusals))
        }
    }
}

/// Checks and counts one attempt on `keys` atomically, in the caller's transaction, which holds
/// the keys' row locks until it ends: commit it before the password is verified (see the
/// module's documentation). Keys are locked in one global order (scope, then key), so
/// concurrent attempts cannot deadlock.
pub async fn attempt(
    conn: &mut PgConnection,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<Attempt, sqlx::Error> {
    let mut keys = keys.to_vec();
    keys.sort_by(|a, b| (a.scope, &a.key).cmp(&(b.scope, &b.key)));
    keys.dedup();
    let mut states = lock(conn, &keys, now).await?;
    let waiting = keys
        .iter()
        .zip(&mut states)
        .find_map(|(key, state)| Some((key, state.wait_end(key.limits, now)?, state)));
    if let Some((key, end, state)) = waiting {
        // Charged to the first waiting key only, so each refusal is counted exactly once.
        let record = state.refuse(end);
        save(conn, &[(key, &*state)], now).await?;
        let retry_after = (end - now).num_seconds().max(1).unsigned_abs();
        return Ok(Attempt::Refused { retry_after, record });
    }
    let mut suppressed = 0;
    for (key, state) in keys.iter().zip(&mut states) {
        suppressed += std::mem::take(&mut state.unrecorded_refusals);
        state.count_failure(key.limits, now);
    }
    save(conn, &keys.iter().zip(&states).collect::<Vec<_>>(), now).await?;
    let keys = keys.into_iter().zip(states).map(|(key, state)| (key, state.blocked_until));
    Ok(Attempt::Counted(Counted { keys: keys.collect(), suppressed }))
}

/// The password was right: clears the account's counters, and takes back the address's one
/// attempt (so a success never counts against an address), leaving any wait that another
/// attempt has set since. One statement, in the caller's transaction.
pub async fn succeeded(conn: &mut PgConnection, counted: &Counted) -> Result<(), sqlx::Error> {
    let (accounts, addresses): (Vec<_>, Vec<_>) =
        counted.keys.iter().partition(|(key, _)| key.scope == "account");
    let accounts: Vec<&str> = accounts.iter().map(|(key, _)| key.key.as_str()).collect();
    let (addresses, set): (Vec<&str>, Vec<Option<DateTime<Utc>>>) =
        addresses.iter().map(|(key, set)| (key.key.as_str(), *set)).unzip();
    // `as _`: the macros' check of array parameters takes neither `&str` nor `Option` elements.
    sqlx::query!(
        "with accounts as (
             delete from auth_throttle where scope = 'account' and key = any($1::text[])
         )
         update auth_throttle t
            set consecutive_failures = greatest(consecutive_failures - 1, 0),
                window_failures = greatest(window_failures - 1, 0),
                blocked_until = case when blocked_until is not distinct from a.set
                                     then null else blocked_until end
           from unnest($2::text[], $3::timestamptz[]) as a(key, set)
          where t.scope = 'address' and t.key = a.key",
        accounts as _,
        addresses as _,
        set as _
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The keys' rows (in the order of `keys`), created when missing, locked until the transaction
/// ends; one statement, which takes the locks in the order given.
async fn lock(
    conn: &mut PgConnection,
    keys: &[Key],
    now: DateTime<Utc>,
) -> Result<Vec<State>, sqlx::Error> {
    let (scopes, names): (Vec<&str>, Vec<&str>) =
        keys.iter().map(|key| (key.scope, key.key.as_str())).unzip();
    // The no-op update takes the row lock and returns the row as it is. (`as _`: see
    // [`succeeded`].)
    let rows: Vec<LockedRow> = sqlx::query!(
        "insert into auth_throttle as t (scope, key, window_started_at, updated_at)
         select scope, key, $3, $3 from unnest($1::text[], $2::text[]) with ordinality
                                        as k(scope, key, n)
          order by n
         on conflict (scope, key) do update set updated_at = t.updated_at
         returning scope, key, consecutive_failures, window_started_at, window_failures,
                   blocked_until, unrecorded_refusals, recorded_wait_end",
        scopes as _,
        names as _,
        now
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| LockedRow {
        scope: r.scope,
        key: r.key,
        state: State {
            consecutive_failures: r.consecutive_failures,
            window_started_at: r.window_started_at,
            window_failures: r.window_failures,
            blocked_until: r.blocked_until,
            unrecorded_refusals: r.unrecorded_refusals,
            recorded_wait_end: r.recorded_wait_end,
        },
    })
    .collect();
    keys.iter()
        .map(|key| {
            rows.iter()
                .find(|row| row.scope == key.scope && row.key == key.key)
                .map(|row| row.state.clone())
                .ok_or(sqlx::Error::RowNotFound)
        })
        .collect()
}

/// A row [`lock`] returns.
struct LockedRow {
    scope: String,
    key: String,
    state: State,
}

/// Writes the keys' states back; one statement.
async fn save(
    conn: &mut PgConnection,
    states: &[(&Key, &State)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    fn column<T>(states: &[(&Key, &State)], f: impl Fn(&State) -> T) -> Vec<T> {
        states.iter().map(|(_, state)| f(state)).collect()
    }
    // `as _`: see [`succeeded`].
    sqlx::query!(
        "update auth_throttle t
            set consecutive_failures = s.consecutive_failures,
                window_started_at = s.window_started_at, window_failures = s.window_failures,
                blocked_until = s.blocked_until, unrecorded_refusals = s.unrecorded_refusals,
                recorded_wait_end = s.recorded_wait_end, updated_at = $9
           from unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::int[],
                       $6::timestamptz[], $7::int[], $8::timestamptz[])
                as s(scope, key, consecutive_failures, window_started_at, window_failures,
                     blocked_until, unrecorded_refusals, recorded_wait_end)
          where t.scope = s.scope and t.key = s.key",
        states.iter().map(|(key, _)| key.scope).collect::<Vec<_>>() as _,
        states.iter().map(|(key, _)| key.key.as_str()).collect::<Vec<_>>() as _,
        &column(states, |s| s.consecutive_failures),
        &column(states, |s| s.window_started_at),
        &column(states, |s| s.window_failures),
        column(states, |s| s.blocked_until) as _,
        &column(states, |s| s.unrecorded_refusals),
        column(states, |s| s.recorded_wait_end) as _,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    impl State {
        fn new(now: DateTime<Utc>) -> Self {
            Self {
                consecutive_failures: 0,
                window_started_at: now,
                window_failures: 0,
                blocked_until: None,
                unrecorded_refusals: 0,
                recorded_wait_end: None,
            }
        }
    }

    #[test]
    fn five_free_failures_then_waits_that_double_up_to_the_cap() {
        let mut state = State::new(at(0));
        let mut waits = Vec::new();
        for _ in 0..70 {
            state.count_failure(ACCOUNT, at(0));
            waits.push(state.blocked_until.map(|t| (t - at(0)).num_seconds()));
        }
        assert_eq!(waits[..4], [None; 4]);
        assert_eq!(waits[4..8], [Some(1), Some(2), Some(4), Some(8)]);
        assert_eq!(waits[15], Some(900), "capped at 15 minutes");
        assert_eq!(waits[69], Some(900), "and no overflow far past it");
        assert_eq!(state.wait_end(ACCOUNT, at(0)), Some(at(900)));
        assert_eq!(state.wait_end(ACCOUNT, at(900)), None);
    }

    #[test]
    fn the_hourly_cap_waits_for_the_window_and_a_new_window_starts_over() {
        let mut state = State { window_failures: 100, ..State::new(at(0)) };
        assert_eq!(state.wait_end(ACCOUNT, at(10)), Some(at(3600)));
        assert_eq!(state.wait_end(ADDRESS, at(10)), None);
        state.count_failure(ACCOUNT, at(3600));
        assert_eq!((state.window_started_at, state.window_failures), (at(3600), 1));
    }

    #[test]
    fn only_the_first_refusal_of_a_wait_is_recorded_and_it_reports_those_left_out() {
        let mut state = State::new(at(0));
        assert_eq!(state.refuse(at(60)), Some(0));
        for _ in 0..41 {
            assert_eq!(state.refuse(at(60)), None);
        }
        assert_eq!(state.refuse(at(120)), Some(41), "a later wait");
        assert_eq!(state.unrecorded_refusals, 0);
    }
}
