//! The sign-in throttle as an attacker meets it: parallel guesses, one account typed two ways,
//! floods of throttled attempts, and the current-password check of a password change.

use app::backend::auth::{self, SignedIn};
use app::backend::{ServiceError, Services, sessions};
use shared::Password;
use shared::auth::{ChangePasswordRequest, SignInRequest};
use sqlx::PgPool;
use std::sync::Arc;
use tokio::sync::Barrier;

use crate::support::{all_tenants, client, services, tenant, user};

const GOOD: &str = "a long and good passphrase";
const WRONG: &str = "wrong but long enough";

fn request(login: &str, password: &str) -> SignInRequest {
    SignInRequest { tenant: "acme".into(), login: login.into(), password: Password::new(password) }
}

async fn sign_in(s: &Services, req: &SignInRequest, ip: &str) -> Result<SignedIn, ServiceError> {
    auth::sign_in(&s.pool, &s.passwords, &s.sessions, req, &client(ip))
        .await
        .and_then(auth::SignInOutcome::signed_in)
}

/// Tenant "acme" with user "ada" (email ada@example.com) whose password is [`GOOD`].
async fn acme_with_ada(pool: &PgPool) {
    let acme = tenant(pool, "acme").await;
    user(pool, acme, "ada", "agent", Some(GOOD)).await.unwrap();
}

/// How many events of `action` carry `reason` in their details.
async fn events(pool: &PgPool, action: &str, reason: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from audit_events where action = $1 and details->>'reason' = $2",
    )
    .bind(action)
    .bind(reason)
    .fetch_one(&mut all_tenants(pool).await)
    .await
    .unwrap()
}

/// Makes every wait already begun last ten minutes, so a slow machine cannot outlast it.
async fn wait_long(pool: &PgPool) {
    sqlx::query(
        "update auth_throttle set blocked_until = now() + interval '10 minutes'
          where blocked_until is not null",
    )
    .execute(pool)
    .await
    .unwrap();
}

roster_test! {
/// The attack of issue 14 (hole 4): a burst of wrong guesses released together. Checking the
/// throttle and counting the failure must be one step, so only the free failures reach argon2;
/// every other guess is refused before any password is verified. Looped to catch interleavings.
async fn forty_parallel_wrong_guesses_reach_argon2_at_most_five_times(pool: PgPool) {
    const GUESSES: usize = 40;
    let s = services(&pool);
    acme_with_ada(&pool).await;
    for round in 0..4 {
        sqlx::query("delete from auth_throttle").execute(&pool).await.unwrap();
        let barrier = Arc::new(Barrier::new(GUESSES));
        let guesses: Vec<_> = (0..GUESSES)
            .map(|_| {
                let (s, barrier) = (s.clone(), Arc::clone(&barrier));
                tokio::spawn(async move {
                    barrier.wait().await;
                    sign_in(&s, &request("ada", WRONG), "10.1.0.1").await
                })
            })
            .collect();
        let (mut verified, mut throttled) = (0, 0);
        for guess in guesses {
            match guess.await.unwrap() {
                Err(ServiceError::Unauthenticated) => verified += 1,
                Err(ServiceError::Throttled(_)) => throttled += 1,
                other => panic!("round {round}: unexpected answer {other:?}"),
            }
        }
        assert!(verified <= 5, "round {round}: {verified} of {GUESSES} guesses reached argon2");
        assert_eq!(verified + throttled, GUESSES);
    }
    // Each guess that reached argon2 was recorded as a wrong password.
    assert!(events(&pool, "session.sign_in_failed", "wrong_password").await <= 4 * 5);
}
}

roster_test! {
/// One account, one bucket: its username and its email are the same account to the throttle.
async fn the_username_and_the_email_count_in_one_bucket(pool: PgPool) {
    let s = services(&pool);
    acme_with_ada(&pool).await;
    for login in ["ada", "ada@example.com", "ADA", "ada", "Ada@Example.com"] {
        let wrong = sign_in(&s, &request(login, WRONG), "10.1.0.2").await;
        assert!(matches!(wrong, Err(ServiceError::Unauthenticated)), "{login}: {wrong:?}");
    }
    wait_long(&pool).await;
    for login in ["ada@example.com", "ada"] {
        let sixth = sign_in(&s, &request(login, GOOD), "10.1.0.3").await;
        assert!(matches!(sixth, Err(ServiceError::Throttled(_))), "{login}: {sixth:?}");
    }
    // Unknown logins still count by what was typed, and answer like a wrong password.
    for _ in 0..5 {
        let unknown = sign_in(&s, &request("nobody", WRONG), "10.1.0.4").await;
        assert!(matches!(unknown, Err(ServiceError::Unauthenticated)), "{unknown:?}");
    }
    wait_long(&pool).await;
    let sixth = sign_in(&s, &request("nobody", WRONG), "10.1.0.4").await;
    assert!(matches!(sixth, Err(ServiceError::Throttled(_))), "{sixth:?}");
    let keys: Vec<String> =
        sqlx::query_scalar("select key from auth_throttle where scope = 'account' order by key")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[0].len() == 64 && !keys[0].contains("nobody"), "what was typed is hashed");
    assert!(keys[1].starts_with("user:"), "{keys:?}");
}
}

roster_test! {
/// The attack of hole 6: an unauthenticated flood of throttled attempts. The trail records the
/// first refusal of each throttle window, and the next event for the key says how many were
/// left out, so no request rate grows the append-only table without bound.
async fn a_flood_of_throttled_attempts_writes_one_event_per_window(pool: PgPool) {
    let s = services(&pool);
    acme_with_ada(&pool).await;
    for _ in 0..5 {
        let _ = sign_in(&s, &request("ada", WRONG), "10.1.0.5").await;
    }
    wait_long(&pool).await;
    for _ in 0..60 {
        let flood = sign_in(&s, &request("ada", WRONG), "10.1.0.5").await;
        assert!(matches!(flood, Err(ServiceError::Throttled(_))), "{flood:?}");
    }
    assert_eq!(events(&pool, "session.sign_in_failed", "throttled").await, 1);

    // The next window's first refusal is recorded, with the count of those left out.
    sqlx::query(
        "update auth_throttle set blocked_until = now() + interval '14 minutes'
          where blocked_until is not null",
    )
    .execute(&pool)
    .await
    .unwrap();
    let _ = sign_in(&s, &request("ada", WRONG), "10.1.0.5").await;
    let suppressed: Vec<Option<String>> = sqlx::query_scalar(
        "select details->>'suppressed' from audit_events
          where action = 'session.sign_in_failed' and details->>'reason' = 'throttled'
          order by id",
    )
    .fetch_all(&mut all_tenants(&pool).await)
    .await
    .unwrap();
    assert_eq!(suppressed, [Some("0".to_owned()), Some("59".to_owned())]);
}
}

roster_test! {
/// Hole 7: the current-password check of a password change is a password oracle for whoever
/// holds a session. It counts in the account's bucket, is refused when that bucket is blocked,
/// and every failure is in the trail.
async fn a_wrong_current_password_is_throttled_and_audited(pool: PgPool) {
    let s = services(&pool);
    acme_with_ada(&pool).await;
    let signed = sign_in(&s, &request("ada", GOOD), "10.1.0.6").await.unwrap();
    let actor = sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.unwrap();
    let change = |current: &str| ChangePasswordRequest {
        current_password: Password::new(current),
        new_password: Password::new("a brand new passphrase"),
    };
    let change_password = async |req: &ChangePasswordRequest| {
        auth::change_password(&pool, &s.passwords, &s.sessions, &actor, req, &client("10.1.0.6"))
            .await
    };
    for _ in 0..5 {
        let wrong = change_password(&change(WRONG)).await;
        let Err(ServiceError::Validation(fields)) = wrong else { panic!("{wrong:?}") };
        assert_eq!(fields["current_password"], ["wrong"]);
    }
    assert_eq!(events(&pool, "user.password_change_failed", "wrong_password").await, 5);
    wait_long(&pool).await;
    let sixth = change_password(&change(GOOD)).await;
    assert!(matches!(sixth, Err(ServiceError::Throttled(_))), "{sixth:?}");
    assert_eq!(events(&pool, "user.password_change_failed", "throttled").await, 1);
    // The same bucket as signing in.
    let sign_in_now = sign_in(&s, &request("ada", GOOD), "10.1.0.7").await;
    assert!(matches!(sign_in_now, Err(ServiceError::Throttled(_))), "{sign_in_now:?}");

    // Once the wait is over the right password changes it and clears the bucket.
    sqlx::query("update auth_throttle set blocked_until = null").execute(&pool).await.unwrap();
    change_password(&change(GOOD)).await.unwrap();
    let left: i64 =
        sqlx::query_scalar("select count(*) from auth_throttle where scope = 'account'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(left, 0);
}
}
