//! Platform superusers: the first one, created on first start with a temporary password shown
//! once, and further ones created from the command line.

use serde_json::json;
use shared::FieldCode;
use shared::audit::Action;
use shared::{Password, TenantSlug, Username};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::audit::{self, AuditActor, AuditEvent, Target};
use super::password::{self, Passwords};
use super::{ServiceError, tenancy};

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
    // Selected from rather than selected: the function returns `void`, which the macros cannot
    // decode.
    sqlx::query_scalar!(
        r#"select 1 as "locked!" from pg_advisory_xact_lock(hashtext('roster.bootstrap'))"#
    )
    .fetch_one(&mut *tx)
    .await?;
    let platform_id = enter_platform(&mut tx).await?;
    let existing = sqlx::query_scalar!(
        r#"select count(*) as "count!" from users where tenant_id = $1"#,
        platform_id
    )
    .fetch_one(&mut *tx)
    .await?;
    if existing > 0 {
        return Ok(None);
    }
    insert_superuser(&mut tx, platform_id, FIRST_SUPERUSER, &hash, true).await?;
    tx.commit().await?;

    tracing::info!(username = FIRST_SUPERUSER, "created the first platform superuser");
    Ok(Some(FirstSignIn {
        tenant: TenantSlug::PLATFORM,
        username: FIRST_SUPERUSER,
        password: temporary,
    }))
}

/// `roster create-superuser`: a superuser with a password chosen by the operator (checked
/// against the password policy). A taken username is a field error.
pub async fn create_superuser(
    pool: &PgPool,
    passwords: &Passwords,
    username: &str,
    password: &Password,
) -> Result<Uuid, ServiceError> {
    let username = Username::try_from(username.to_owned())
        .map_err(|e| ServiceError::field("username", e.code()))?;
    let email = superuser_email(username.as_str());
    shared::password::check(password, &[username.as_str(), &email])
        .map_err(|e| ServiceError::field("password", e.code()))?;
    let hash = passwords.hash(password).await?;
    let mut tx = pool.begin().await?;
    let platform_id = enter_platform(&mut tx).await?;
    let id = insert_superuser(&mut tx, platform_id, username.as_str(), &hash, false)
        .await
        .map_err(|e| match e.as_database_error().and_then(|d| d.constraint()) {
            Some("users_username_key" | "users_email_key") => {
                ServiceError::field("username", FieldCode::Taken)
            }
            _ => e.into(),
        })?;
    tx.commit().await?;
    Ok(id)
}

/// Superusers have no mailbox of their own in Roster; a reserved-domain address keeps emails
/// unique without pretending to be real.
fn superuser_email(username: &str) -> String {
    format!("{}@platform.roster.invalid", username.to_lowercase())
}

async fn enter_platform(conn: &mut PgConnection) -> Result<Uuid, sqlx::Error> {
    let id = sqlx::query_scalar!("select id from tenants where slug = $1", TenantSlug::PLATFORM)
        .fetch_one(&mut *conn)
        .await?;
    tenancy::enter(conn, id).await?;
    Ok(id)
}

async fn insert_superuser(
    conn: &mut PgConnection,
    platform_id: Uuid,
    username: &str,
    hash: &str,
    temporary: bool,
) -> Result<Uuid, sqlx::Error> {
    let user_id = sqlx::query_scalar!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type,
                            password_hash, must_change_password, password_changed_at)
         values ($1, 'Platform', 'Administrator', $2, $3, 'tenant_admin', $4, $5, now())
         returning id",
        platform_id,
        superuser_email(username),
        username,
        hash,
        temporary,
    )
    .fetch_one(&mut *conn)
    .await?;
    let password = if temporary { "temporary password set" } else { "password set" };
    let event = AuditEvent {
        target: Some(Target { kind: "user", id: user_id, name: username }),
        changes: json!({
            "username": {"before": null, "after": username},
            "password": {"before": null, "after": password},
        }),
        ..AuditEvent::new(platform_id, AuditActor::System, Action::UserCreated)
    };
    audit::record(conn, &event).await?;
    Ok(user_id)
}
