//! Reading the trail: the Audit page, a user's History tab and the CSV export. Newest first,
//! keyset-paged on (time, id), every filter served by an index of the audit migrations.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::FieldCode;
use shared::Permission;
use shared::audit::{
    ActorKind, AuditActor, AuditEntry, AuditFilter, AuditPage, AuditQuery, AuditTarget, FieldChange,
};
use sqlx::types::Json;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::backend::{Actor, Ctx, ServiceError};

/// The most events one export holds; a longer trail is exported a date range at a time.
pub const MAX_EXPORT: usize = 100_000;

/// A page of the actor's tenant's trail.
pub async fn list(ctx: &mut Ctx<'_>, query: &AuditQuery) -> Result<AuditPage, ServiceError> {
    ctx.reading("audit.read", None);
    let actor = ctx.actor;
    actor.require(Permission::AuditRead)?;
    let filter = query.check().map_err(ServiceError::Validation)?;
    let line = line(actor, &filter)?;
    let after = filter.cursor.as_deref().map(decode_cursor).transpose()?;
    let limit = filter.limit as usize;
    let walk = Walk { tenant_id: actor.tenant_id, filter: &filter, line: line.as_deref(), after };
    let mut rows = fetch(ctx.conn, &walk, limit + 1).await?;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| encode_cursor(r.occurred_at, r.id))
    } else {
        None
    };
    Ok(AuditPage { items: rows.into_iter().map(Row::into_entry).collect(), next_cursor })
}

/// Every event matching the query (its cursor and limit aside), as CSV: one line per event,
/// the changes as `field: before → after` lines in one cell.
pub async fn export(ctx: &mut Ctx<'_>, query: &AuditQuery) -> Result<String, ServiceError> {
    ctx.reading("audit.read", None);
    let actor = ctx.actor;
    actor.require(Permission::AuditRead)?;
    let filter = AuditQuery { cursor: None, limit: None, ..query.clone() }
        .check()
        .map_err(ServiceError::Validation)?;
    let line = line(actor, &filter)?;
    let walk =
        Walk { tenant_id: actor.tenant_id, filter: &filter, line: line.as_deref(), after: None };
    let rows = fetch(ctx.conn, &walk, MAX_EXPORT).await?;
    let mut csv = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| ServiceError::Internal(e.to_string());
    csv.write_record([
        "time",
        "actor",
        "actor_id",
        "action",
        "target_type",
        "target",
        "target_id",
        "changes",
        "details",
        "source_ip",
        "user_agent",
        "request_id",
    ])
    .map_err(internal)?;
    for entry in rows.into_iter().map(Row::into_entry) {
        let changes: Vec<String> = entry
            .changes
            .iter()
            .map(|c| {
                let (before, after) =
                    (shared::audit::show_value(&c.before), shared::audit::show_value(&c.after));
                format!("{}: {before} → {after}", c.field)
            })
            .collect();
        let target = entry.target.as_ref();
        let record = [
            entry.occurred_at.to_rfc3339(),
            entry.actor.name.clone(),
            entry.actor.id.map(|id| id.to_string()).unwrap_or_default(),
            entry.action.clone(),
            target.map(|t| t.kind.clone()).unwrap_or_default(),
            target.map(|t| t.name.clone()).unwrap_or_default(),
            target.map(|t| t.id.to_string()).unwrap_or_default(),
            changes.join("\n"),
            serde_json::to_string(&entry.details).unwrap_or_default(),
            entry.source_ip.unwrap_or_default(),
            entry.user_agent.unwrap_or_default(),
            entry.request_id.unwrap_or_default(),
        ];
        csv.write_record(record.iter().map(|cell| spreadsheet_safe(cell))).map_err(internal)?;
    }
    let bytes = csv.into_inner().map_err(|e| ServiceError::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A cell a spreadsheet will not run as a formula: names and user agents are typed by users,
/// and `=HYPERLINK(…)` in a display name must stay text (OWASP, CSV injection).
fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    occurred_at: DateTime<Utc>,
    actor_kind: String,
    actor_id: Option<Uuid>,
    actor_name: String,
    action: String,
    target_type: Option<String>,
    target_id: Option<Uuid>,
    target_name: Option<String>,
    changes: Json<serde_json::Map<String, Value>>,
    details: Json<std::collections::BTreeMap<String, Value>>,
    source_ip: Option<String>,
    user_agent: Option<String>,
    request_id: Option<String>,
}

impl Row {
    fn into_entry(self) -> AuditEntry {
        let kind = match self.actor_kind.as_str() {
            "user" => ActorKind::User,
            "system" => ActorKind::System,
            _ => ActorKind::Anonymous,
        };
        let target = match (self.target_type, self.target_id) {
            (Some(kind), Some(id)) => {
                Some(AuditTarget { kind, id, name: self.target_name.unwrap_or_default() })
            }
            _ => None,
        };
        let changes = self
            .changes
            .0
            .into_iter()
            .map(|(field, mut change)| FieldChange {
                field,
                before: change.get_mut("before").map(Value::take).unwrap_or_default(),
                after: change.get_mut("after").map(Value::take).unwrap_or_default(),
            })
            .collect();
        AuditEntry {
            id: self.id,
            occurred_at: self.occurred_at,
            actor: AuditActor { kind, id: self.actor_id, name: self.actor_name },
            action: self.action,
            target,
            changes,
            details: self.details.0,
            source_ip: self.source_ip,
            user_agent: self.user_agent,
            request_id: self.request_id,
        }
    }
}

/// Up to `limit` events under the filter, older than `after` when given, newest first.
///
/// A user's history (`subject`) is two index-ordered walks, events by them and events about
/// them by others, merged: one walk with `actor_id = s or target_id = s` follows the time index
/// past every other event of the tenant (200 ms at a million events for a quiet user). Statements
/// are unnamed, so each is planned for its own values: a plan cached for a common action would
/// walk the time index for a rare one.
async fn fetch(
    conn: &mut PgConnection,
    walk: &Walk<'_>,
    limit: usize,
) -> Result<Vec<Row>, ServiceError> {
    let limit = limit as i64;
    let mut q = QueryBuilder::<Postgres>::new("");
    match walk.filter.subject {
        None => walk.push(&mut q, Party::Any, limit),
        Some(subject) => {
            q.push("select * from ((");
            walk.push(&mut q, Party::Actor(subject), limit);
            q.push(") union all (");
            walk.push(&mut q, Party::TargetOnly(subject), limit);
            q.push(")) e order by occurred_at desc, id desc limit ").push_bind(limit);
        }
    }
    Ok(q.build_query_as::<Row>().persistent(false).fetch_all(conn).await?)
}

/// Which side of the events a walk follows.
#[derive(Clone, Copy)]
enum Party {
    Any,
    /// Events by this user.
    Actor(Uuid),
    /// Events about this user by someone else.
    TargetOnly(Uuid),
}

/// A supervisor's reporting line bounds the trail they read: the users any filter names must be
/// in it (others answer 404, as on their pages), and only events by or about the supervisor and
/// their line are read. `None`: the whole tenant.
fn line(actor: &Actor, filter: &AuditFilter) -> Result<Option<Vec<Uuid>>, ServiceError> {
    let Some(line) = &actor.line else { return Ok(None) };
    for user in [filter.actor, filter.target, filter.subject].into_iter().flatten() {
        actor.require_sees(user)?;
    }
    Ok(Some(line.iter().copied().chain([actor.user_id]).collect()))
}

/// One newest-first walk of the tenant's events under the filter.
struct Walk<'a> {
    tenant_id: Uuid,
    filter: &'a AuditFilter,
    /// Only events by or about these users (a supervisor's line).
    line: Option<&'a [Uuid]>,
    after: Option<(DateTime<Utc>, i64)>,
}

impl Walk<'_> {
    fn push(&self, q: &mut QueryBuilder<'_, Postgres>, party: Party, limit: i64) {
        q.push(
            "select id, occurred_at, actor_kind, actor_id, actor_name, action, target_type,
                    target_id, target_name, changes, details, host(source_ip) as source_ip,
                    user_agent, request_id
               from audit_events where tenant_id = ",
        );
        q.push_bind(self.tenant_id);
        match party {
            Party::Any => {}
            Party::Actor(user) => {
                q.push(" and actor_id = ").push_bind(user);
            }
            Party::TargetOnly(user) => {
                q.push(" and target_id = ").push_bind(user);
                q.push(" and actor_id is distinct from ").push_bind(user);
            }
        }
        if let Some(line) = self.line {
            q.push(" and (actor_id = any(").push_bind(line.to_vec());
            q.push(") or target_id = any(").push_bind(line.to_vec()).push("))");
        }
        let f = self.filter;
        if let Some(actor) = f.actor {
            q.push(" and actor_id = ").push_bind(actor);
        }
        if let Some(target) = f.target {
            q.push(" and target_id = ").push_bind(target);
        }
        if !f.actions.is_empty() {
            q.push(" and action = any(").push_bind(f.actions.clone()).push(")");
        }
        if let Some(from) = f.from {
            q.push(" and occurred_at >= ").push_bind(from);
        }
        if let Some(to) = f.to {
            q.push(" and occurred_at < ").push_bind(to);
        }
        if let Some((time, id)) = self.after {
            q.push(" and (occurred_at, id) < (").push_bind(time);
            q.push(", ").push_bind(id).push(")");
        }
        q.push(" order by occurred_at desc, id desc limit ").push_bind(limit);
    }
}

/// `base64url("<microseconds>.<id>")` of the last event of a page.
fn encode_cursor(time: DateTime<Utc>, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}.{id}", time.timestamp_micros()))
}

fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, i64), ServiceError> {
    let bad = || ServiceError::field("cursor", FieldCode::Invalid);
    let text =
        URL_SAFE_NO_PAD.decode(raw).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
    let (micros, id) = text.split_once('.').ok_or_else(bad)?;
    let time = micros.parse().ok().and_then(DateTime::from_timestamp_micros).ok_or_else(bad)?;
    Ok((time, id.parse().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let time = DateTime::from_timestamp_micros(1_764_000_000_123_456).unwrap();
        assert_eq!(decode_cursor(&encode_cursor(time, 42)).ok(), Some((time, 42)));
        for raw in
            ["", "not base64!", &URL_SAFE_NO_PAD.encode("12"), &URL_SAFE_NO_PAD.encode("x.1")]
        {
            assert!(decode_cursor(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn formulas_stay_text() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("-1"), "'-1");
        assert_eq!(spreadsheet_safe("Ada Lovelace"), "Ada Lovelace");
    }
}

#[cfg(test)]
#[path = "trail_fuzz.rs"]
mod fuzz;
