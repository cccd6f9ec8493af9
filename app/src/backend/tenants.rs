//! Tenants, for platform superusers: list them with their user counts, and create one with its
//! system roles and first administrator.

use serde_json::json;
use shared::TenantSlug;
use shared::audit::Action;
use shared::tenant::{CreatedTenant, NewTenant, NewTenantForm, Tenant};

use super::audit::{self, AuditActor, AuditEvent, Target};
use super::password;
use super::{Ctx, ServiceError, roles, tenancy};

/// Every organisation (not the platform itself), newest first, with its number of users.
pub async fn list(ctx: &mut Ctx<'_>) -> Result<Vec<Tenant>, ServiceError> {
    ctx.reading("tenants.read", None);
    ctx.actor.require_superuser()?;
    // Every tenant's count: through the one function that may read them all (see
    // migrations/20261201000002_database_roles.sql); tenants itself is not per tenant.
    let tenants = sqlx::query_as!(
        Tenant,
        r#"select t.id, t.slug, t.name, coalesce(c.users, 0) as "user_count!", t.created_at
             from tenants t left join roster_tenant_user_counts() c on c.tenant_id = t.id
            where t.slug <> $1
            order by t.created_at desc, t.slug"#,
        TenantSlug::PLATFORM
    )
    .fetch_all(&mut *ctx.conn)
    .await?;
    Ok(tenants)
}

/// Creates a tenant, seeds its system roles and creates its first `tenant_admin` with a
/// temporary password (returned once, never stored in clear), all in one transaction.
#[tracing::instrument(skip_all, fields(slug = %form.slug))]
pub async fn create(ctx: &mut Ctx<'_>, form: NewTenantForm) -> Result<CreatedTenant, ServiceError> {
    ctx.attempting(Action::TenantCreated, None);
    let (actor, client) = (ctx.actor, ctx.client);
    actor.require_superuser()?;
    let new = NewTenant::try_from(form).map_err(ServiceError::Validation)?;
    let temporary = password::generate_temporary();
    let hash = ctx.services.passwords.hash(&temporary).await?;

    // The request's transaction enters the new tenant for its rows, then goes back.
    let conn = &mut *ctx.conn;
    let tenant = sqlx::query!(
        "insert into tenants (slug, name) values ($1, $2) returning id, created_at",
        new.slug.as_str(),
        new.name
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(ServiceError::taken)?;

    tenancy::enter(&mut *conn, tenant.id).await?;
    let administrator = roles::seed(&mut *conn, tenant.id).await?;
    let admin_id = sqlx::query_scalar!(
        "insert into users (tenant_id, first_name, last_name, email, username, user_type,
                            password_hash, must_change_password, password_changed_at)
         values ($1, $2, $3, $4, $5, 'tenant_admin', $6, true, now())
         returning id",
        tenant.id,
        new.admin_first_name,
        new.admin_last_name,
        new.admin_email.as_str(),
        new.admin_username.as_str(),
        hash,
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "insert into user_roles (tenant_id, user_id, role_id) values ($1, $2, $3)",
        tenant.id,
        admin_id,
        administrator
    )
    .execute(&mut *conn)
    .await?;

    let admin_name = new.admin_username.as_str();
    let created_admin = AuditEvent {
        target: Some(Target { kind: "user", id: admin_id, name: admin_name }),
        changes: json!({
            "username": {"before": null, "after": admin_name},
            "email": {"before": null, "after": new.admin_email.as_str()},
            "user_type": {"before": null, "after": "tenant_admin"},
            "roles": {"before": [], "after": ["Administrator"]},
            "password": {"before": null, "after": "temporary password set"},
        }),
        client: Some(client),
        ..AuditEvent::new(tenant.id, AuditActor::from(actor), Action::UserCreated)
    };
    audit::record(&mut *conn, &created_admin).await?;
    // Recorded in the new tenant's trail and in the platform's.
    let mut created_tenant = AuditEvent {
        target: Some(Target { kind: "tenant", id: tenant.id, name: new.slug.as_str() }),
        changes: json!({
            "slug": {"before": null, "after": new.slug.as_str()},
            "name": {"before": null, "after": new.name},
        }),
        client: Some(client),
        ..AuditEvent::new(tenant.id, AuditActor::from(actor), Action::TenantCreated)
    };
    audit::record(&mut *conn, &created_tenant).await?;
    tenancy::enter(&mut *conn, actor.tenant_id).await?;
    created_tenant.tenant_id = actor.tenant_id;
    audit::record(&mut *conn, &created_tenant).await?;

    Ok(CreatedTenant {
        tenant: Tenant {
            id: tenant.id,
            slug: new.slug.to_string(),
            name: new.name,
            user_count: 1,
            created_at: tenant.created_at,
        },
        admin_username: admin_name.to_owned(),
        temporary_password: temporary,
    })
}
