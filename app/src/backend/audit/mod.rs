//! Writing the audit trail. Every change calls [`record`] inside its own transaction, so the
//! change and its event commit or roll back together (the database refuses to commit a change to
//! users, roles, teams or memberships without one: migrations/20261125000001_audit.sql). Reading
//! it is [`trail`].

pub mod trail;

use serde_json::{Value, json};
use shared::audit::Action;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::actor::{Actor, TokenRef};
use super::sessions::ClientInfo;
use super::{ServiceError, tenancy};

/// Who did it.
#[derive(Clone, Debug)]
pub enum AuditActor {
    /// A signed-in user, or a service account calling with one of its API tokens.
    User { id: Uuid, name: String, token: Option<TokenRef> },
    /// Roster itself (bootstrap, membership rules).
    System,
    /// Nobody signed in (failed sign-ins).
    Anonymous,
}

impl From<&Actor> for AuditActor {
    fn from(actor: &Actor) -> Self {
        Self::User { id: actor.user_id, name: actor.display_name(), token: actor.token.clone() }
    }
}

/// What an event is about.
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub kind: &'a str,
    pub id: Uuid,
    pub name: &'a str,
}

/// One audit event, borrowed from the use case that records it.
#[derive(Clone, Debug)]
pub struct AuditEvent<'a> {
    pub tenant_id: Uuid,
    pub actor: AuditActor,
    pub action: Action,
    pub target: Option<Target<'a>>,
    /// `{"field": {"before": …, "after": …}}`; never a secret.
    pub changes: Value,
    /// Context such as reason codes; never a secret.
    pub details: Value,
    pub client: Option<&'a ClientInfo>,
}

impl<'a> AuditEvent<'a> {
    /// An event with no target, changes, details or client yet.
    pub fn new(tenant_id: Uuid, actor: AuditActor, action: Action) -> Self {
        Self {
            tenant_id,
            actor,
            action,
            target: None,
            changes: Value::Object(Default::default()),
            details: Value::Object(Default::default()),
            client: None,
        }
    }
}

/// `{"field": {"before": …, "after": …}}` for every top-level field of `after` whose value
/// differs in `before` (which may be `null`, for creations).
pub fn diff(before: &Value, after: &Value) -> Value {
    let mut changes = serde_json::Map::new();
    if let Value::Object(fields) = after {
        for (field, now) in fields {
            let was = before.get(field).unwrap_or(&Value::Null);
            if was != now {
                changes.insert(field.clone(), serde_json::json!({"before": was, "after": now}));
            }
        }
    }
    Value::Object(changes)
}

/// Appends the event on the caller's connection (which should be inside its transaction).
pub async fn record(conn: &mut PgConnection, event: &AuditEvent<'_>) -> Result<(), sqlx::Error> {
    let (kind, actor_id, actor_name) = match &event.actor {
        AuditActor::User { id, name, .. } => ("user", Some(*id), name.as_str()),
        AuditActor::System => ("system", None, "Roster"),
        AuditActor::Anonymous => ("anonymous", None, ""),
    };
    // What a program did with a token names the token too.
    let mut details = event.details.clone();
    if let (AuditActor::User { token: Some(token), .. }, Value::Object(fields)) =
        (&event.actor, &mut details)
    {
        fields.insert("via_token".into(), json!({ "id": token.id, "name": token.name }));
    }
    let client = event.client.cloned().unwrap_or_default();
    sqlx::query!(
        "insert into audit_events
             (tenant_id, actor_kind, actor_id, actor_name, action, target_type, target_id,
              target_name, changes, details, source_ip, user_agent, request_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        event.tenant_id,
        kind,
        actor_id,
        actor_name,
        event.action.key(),
        event.target.map(|t| t.kind),
        event.target.map(|t| t.id),
        event.target.map(|t| t.name),
        event.changes,
        details,
        client.ip.map(sqlx::types::ipnetwork::IpNetwork::from),
        client.user_agent,
        client.request_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What a refused action was about, named from the database when the refusal is recorded.
#[derive(Clone, Copy, Debug)]
pub enum Subject {
    User(Uuid),
    Role(Uuid),
    Team(Uuid),
}

/// Records `access.refused` for `attempted` (about `subject`, named from the database) in a
/// transaction of its own.
pub async fn record_refusal(
    pool: &PgPool,
    actor: &Actor,
    attempted: &str,
    subject: Option<Subject>,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let mut tx = tenancy::begin(pool, actor.tenant_id).await?;
    let (kind, sql, id) = match subject {
        Some(Subject::User(id)) => {
            ("user", "select username from users where tenant_id = $1 and id = $2", id)
        }
        Some(Subject::Role(id)) => {
            ("role", "select name from roles where tenant_id = $1 and id = $2", id)
        }
        Some(Subject::Team(id)) => {
            ("team", "select name from teams where tenant_id = $1 and id = $2", id)
        }
        None => ("", "", Uuid::nil()),
    };
    let name: Option<String> = if sql.is_empty() {
        None
    } else {
        sqlx::query_scalar(sql).bind(actor.tenant_id).bind(id).fetch_optional(&mut *tx).await?
    };
    let event = AuditEvent {
        target: name.as_deref().map(|name| Target { kind, id, name }),
        details: json!({ "attempted": attempted }),
        client: Some(client),
        ..AuditEvent::new(actor.tenant_id, AuditActor::from(actor), Action::AccessRefused)
    };
    record(&mut tx, &event).await?;
    tx.commit().await?;
    Ok(())
}
