//! First start: make sure someone can sign in. Creates the first platform superuser when the
//! platform tenant has none, with a temporary password shown once.

use serde_json::json;
use shared::{Password, TenantSlug};
use sqlx::PgPool;

use super::ServiceError;
use super::audit::{self, AuditActor, AuditEvent};
use super::password::{self, Passwords};

/// The login of the superuser created on first start.
pub const FIRST_SUPERUSER: &str = "admin";

/// What the person starting Roster needs to sign in the first time.
#[derive(Debug)]
pub struct FirstSignIn {
    pub tenant: &'static str,
    pub username: &'static str,
    pub password: Password,
}

/// Creates the first superuser if there is none yet; `None` when one already exists.
///
/// Several replicas may start at once: a transaction-scoped advisory lock lets exactly one of
/// them create the account.
pub async fn ensure_platform_superuser(
    pool: &PgPool,
    passwords: &Passwords,
) -> Result<Option<FirstSignIn>, ServiceError> {
    let temporary = password::generate_temporary();
    let hash = passwords.hash(&temporary).await?;

    let mut tx = pool.begin().await?;
    // Unchecked query: the function returns `void`, which the checked macros cannot decode.
    sqlx::query("select pg_advisory_xact_lock(hashtext('roster.bootstrap'))")
        .execute(&mut *tx)
        .await?;
    let platform_id =
        sqlx::query_scalar!("select id from tenants where slug = $1", TenantSlug::PLATFORM)
            .fetch_one(&mut *tx)
            .await?;
    let existing = sqlx::query_scalar!(
        "select count(*) as \"count!\" from users where tenant_id = $1",
        platform_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if existing > 0 {
        return Ok(None);
    }

    let user_id = sqlx::query_scalar!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type,
                            password_hash, must_change_password, password_changed_at)
         values ($1, 'Platform', 'Administrator', 'admin@roster.invalid', $2, 'tenant_admin',
                 $3, true, now())
         returning id",
        platform_id,
        FIRST_SUPERUSER,
        hash,
    )
    .fetch_one(&mut *tx)
    .await?;
    let event = AuditEvent {
        tenant_id: platform_id,
        actor: AuditActor::System,
        action: "user.created",
        target_type: Some("user"),
        target_id: Some(user_id),
        target_name: Some(FIRST_SUPERUSER),
        changes: json!({
            "username": {"before": null, "after": FIRST_SUPERUSER},
            "password": {"before": null, "after": "temporary password set"},
        }),
    };
    audit::record(&mut tx, &event).await?;
    tx.commit().await?;

    tracing::info!(username = FIRST_SUPERUSER, "created the first platform superuser");
    Ok(Some(FirstSignIn {
        tenant: TenantSlug::PLATFORM,
        username: FIRST_SUPERUSER,
        password: temporary,
    }))
}
