//! Writing the audit trail. Every change calls [`record`] inside its own transaction, so the
//! change and its event commit or roll back together.

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

/// Who did it.
#[derive(Clone, Debug)]
pub enum AuditActor {
    /// A signed-in user.
    User { id: Uuid, name: String },
    /// Roster itself (bootstrap, membership rules).
    System,
}

/// One audit event, borrowed from the use case that records it.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    pub tenant_id: Uuid,
    pub actor: AuditActor,
    pub action: &'a str,
    pub target_type: Option<&'a str>,
    pub target_id: Option<Uuid>,
    pub target_name: Option<&'a str>,
    /// `{"field": {"before": …, "after": …}}`; never a secret.
    pub changes: Value,
}

/// Appends the event on the caller's connection (which should be inside its transaction).
pub async fn record(conn: &mut PgConnection, event: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
    let (kind, actor_id, actor_name) = match &event.actor {
        AuditActor::User { id, name } => ("user", Some(*id), name.as_str()),
        AuditActor::System => ("system", None, "Roster"),
    };
    sqlx::query!(
        "insert into audit_events
             (tenant_id, actor_kind, actor_id, actor_name, action, target_type, target_id,
              target_name, changes)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        event.tenant_id,
        kind,
        actor_id,
        actor_name,
        event.action,
        event.target_type,
        event.target_id,
        event.target_name,
        event.changes,
    )
    .execute(conn)
    .await?;
    Ok(())
}
