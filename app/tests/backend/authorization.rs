//! The authorization matrix so far: every user type × every system role, in its own tenant and
//! against another tenant.

use app::backend::auth::SignInOutcome;
use app::backend::roles::SYSTEM_ROLES;
use app::backend::{ServiceError, sessions, tenants};
use shared::auth::SignInRequest;
use shared::permission::{self, Permissions};
use shared::{Password, Permission, UserType};
use sqlx::PgPool;

use crate::support::{all_tenants, client, run, seed_roles, services, tenant, user};

const GOOD: &str = "a long and good passphrase";

fn request(tenant: &str, login: &str) -> SignInRequest {
    SignInRequest { tenant: tenant.into(), login: login.into(), password: Password::new(GOOD) }
}

roster_test! {
async fn every_type_and_system_role_gets_exactly_its_permissions_and_only_in_its_tenant(
    pool: PgPool,
) {
    let s = services(&pool);
    let acme = tenant(&pool, "acme").await;
    tenant(&pool, "globex").await;
    seed_roles(&pool, acme).await;

    let mut checked = 0;
    for user_type in UserType::ALL {
        for role in &SYSTEM_ROLES {
            let login = format!("{}.{}", user_type.as_str(), role.key);
            let id = user(&pool, acme, &login, user_type.as_str(), Some(GOOD)).await.unwrap();
            sqlx::query!(
                "insert into user_roles (tenant_id, user_id, role_id)
                 select $1, $2, id from roles where tenant_id = $1 and system_key = $3",
                acme,
                id,
                role.key
            )
            .execute(&mut all_tenants(&pool).await)
            .await
            .unwrap();
            let ip = format!("10.1.{checked}.1");

            // The same credentials against another tenant: nothing there.
            let elsewhere = app::backend::auth::sign_in(
                &s.pool,
                &s.passwords,
                &s.sessions,
                &request("globex", &login),
                &client(&ip),
            )
            .await;
            assert!(matches!(elsewhere, Err(ServiceError::Unauthenticated)), "{login} in globex");

            let signed = app::backend::auth::sign_in(
                &s.pool,
                &s.passwords,
                &s.sessions,
                &request("acme", &login),
                &client(&ip),
            )
            .await
            .and_then(SignInOutcome::signed_in);
            if user_type == UserType::Service {
                assert!(matches!(signed, Err(ServiceError::AccountUnavailable(_))), "{login}");
                checked += 1;
                continue;
            }
            let signed = signed.unwrap();
            let expected: Permissions =
                permission::effective(user_type, role.permissions.iter().copied());
            let got: Permissions = signed.me.permissions.iter().copied().collect();
            assert_eq!(got, expected, "{login}");
            if let Some(literal) = spelled_out(user_type, role.key) {
                assert_eq!(got, literal, "{login}");
            }
            assert_eq!(signed.me.tenant.slug, "acme");

            let actor = sessions::resolve(&s, &signed.token, &client("10.0.0.9")).await.unwrap();
            for p in Permission::ALL {
                assert_eq!(actor.require(p).is_ok(), expected.contains(&p), "{login} / {p}");
            }
            if !user_type.ceiling().iter().any(|p| p.is_write()) {
                assert!(got.iter().all(|p| !p.is_write()), "{login} holds a write permission");
            }
            // Tenant users, whatever their roles, are not platform superusers.
            let listed = run(&pool, &actor, async |ctx| tenants::list(ctx).await).await;
            assert!(matches!(listed, Err(ServiceError::Forbidden)), "{login}: {listed:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, UserType::ALL.len() * SYSTEM_ROLES.len());
}
}

/// A few combinations written out by hand, so the matrix does not only agree with itself.
fn spelled_out(user_type: UserType, role: &str) -> Option<Permissions> {
    use Permission::*;
    let set = |ps: &[Permission]| Some(ps.iter().copied().collect());
    match (user_type, role) {
        (UserType::TenantAdmin, "read_only") => set(&Permission::ALL),
        (UserType::Viewer, "administrator") => set(&[UsersRead, RolesRead, TeamsRead, AuditRead]),
        (UserType::Analyst, "helpdesk") => set(&[UsersRead, RolesRead, TeamsRead]),
        (UserType::Agent, "helpdesk") => {
            set(&[UsersRead, UsersSuspend, UsersResetPassword, RolesRead, TeamsRead])
        }
        (UserType::Agent, "administrator") => set(&[
            UsersRead,
            UsersCreate,
            UsersUpdate,
            UsersSuspend,
            UsersResetPassword,
            RolesRead,
            TeamsRead,
            TeamsManage,
            AuditRead,
        ]),
        (UserType::Supervisor, "administrator") => {
            Some(Permission::ALL.into_iter().filter(|p| *p != TenantSettings).collect())
        }
        _ => None,
    }
}

roster_test! {
async fn one_address_failing_across_many_accounts_is_throttled_too(pool: PgPool) {
    let s = services(&pool);
    let acme = tenant(&pool, "acme").await;
    user(&pool, acme, "ada", "agent", Some(GOOD)).await.unwrap();
    let limit = app::backend::throttle::ADDRESS.free_failures;
    for i in 0..limit {
        // A different account every time: only the address counter grows past its limit.
        let req = SignInRequest {
            tenant: "acme".into(),
            login: format!("guess{i}"),
            password: Password::new("wrong but long enough"),
        };
        let err = app::backend::auth::sign_in(
            &s.pool,
            &s.passwords,
            &s.sessions,
            &req,
            &client("10.9.9.9"),
        )
        .await
        .unwrap_err();
        assert!(matches!(err, ServiceError::Unauthenticated), "attempt {i}: {err:?}");
    }
    let blocked = app::backend::auth::sign_in(
        &s.pool,
        &s.passwords,
        &s.sessions,
        &request("acme", "ada"),
        &client("10.9.9.9"),
    )
    .await;
    assert!(matches!(blocked, Err(ServiceError::Throttled(_))), "{blocked:?}");
    // Another address is not affected.
    app::backend::auth::sign_in(
        &s.pool,
        &s.passwords,
        &s.sessions,
        &request("acme", "ada"),
        &client("10.9.9.8"),
    )
    .await
    .unwrap();
}
}
