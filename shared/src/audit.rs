//! The audit trail as it is read (`GET /api/v1/audit`, the Audit page, a user's History tab):
//! the query, checked into [`AuditFilter`], the events it answers with, and the catalogue of
//! actions with their labels.

use chrono::{DateTime, Days, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use uuid::Uuid;

use crate::directory::given;
use crate::error::{Check, FieldCode, FieldErrors};

/// Events per page unless the caller asks for another size.
pub const PAGE_SIZE: u32 = 50;
/// The largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Declares [`Action`]: each variant with its key (as stored and sent) and its label.
macro_rules! actions {
    ($($variant:ident = $key:literal, $label:literal;)*) => {
        /// Every action Roster records. Stored and sent as its key (`user.updated`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in display order.
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            /// The key the trail stores (`user.updated`).
            pub fn key(self) -> &'static str {
                match self {
                    $(Action::$variant => $key,)*
                }
            }

            /// A label for people (`User edited`).
            pub fn label(self) -> &'static str {
                match self {
                    $(Action::$variant => $label,)*
                }
            }
        }
    };
}

actions! {
    UserCreated = "user.created", "User created";
    UserUpdated = "user.updated", "User edited";
    UserAvatarChanged = "user.avatar_changed", "Photo changed";
    UserSuspended = "user.suspended", "User suspended";
    UserReactivated = "user.reactivated", "User reactivated";
    UserPasswordReset = "user.password_reset", "Password reset";
    UserPasswordChanged = "user.password_changed", "Password changed";
    UserPasswordChangeFailed = "user.password_change_failed", "Password change failed";
    SessionSignedIn = "session.signed_in", "Signed in";
    SessionSignInFailed = "session.sign_in_failed", "Sign-in failed";
    SessionSignedOut = "session.signed_out", "Signed out";
    SessionsEnded = "session.ended", "Sessions ended";
    RoleCreated = "role.created", "Role created";
    RoleUpdated = "role.updated", "Role edited";
    RoleDeleted = "role.deleted", "Role deleted";
    TeamCreated = "team.created", "Team created";
    TeamUpdated = "team.updated", "Team edited";
    TeamDeleted = "team.deleted", "Team deleted";
    TeamMemberAdded = "team.member_added", "Team member added";
    TeamMemberRemoved = "team.member_removed", "Team member removed";
    TeamRuleApplied = "team.rule_applied", "Team rule applied";
    AccessRefused = "access.refused", "Access refused";
    TenantCreated = "tenant.created", "Organisation created";
    TenantSeeded = "tenant.seeded", "Demo data loaded";
    TokenCreated = "token.created", "API token created";
    TokenRevoked = "token.revoked", "API token revoked";
    TenantSettingsChanged = "tenant.settings_changed", "Settings changed";
    SecondFactorEnrolled = "second_factor.enrolled", "Second factor added";
    SecondFactorEnrolmentFailed = "second_factor.enrolment_failed", "Second factor not confirmed";
    SecondFactorRemoved = "second_factor.removed", "Second factor removed";
    SecondFactorReset = "second_factor.reset", "Second factor reset";
    RecoveryCodeUsed = "second_factor.recovery_code_used", "Recovery code used";
    RecoveryCodesRenewed = "second_factor.recovery_codes_renewed", "Recovery codes renewed";
}

/// Families of actions (the part before the dot), for filtering by kind.
pub const FAMILIES: [(&str, &str); 8] = [
    ("user", "Changes to users"),
    ("session", "Sign-ins and sign-outs"),
    ("role", "Changes to roles"),
    ("team", "Changes to teams"),
    ("access", "Refused access"),
    ("tenant", "Organisation"),
    ("token", "API tokens"),
    ("second_factor", "Second factors"),
];

/// The label of an action key (the key itself when it is not in the catalogue).
pub fn action_label(action: &str) -> &str {
    Action::ALL.iter().find(|a| a.key() == action).map_or(action, |a| a.label())
}

/// A query as it arrives: every part optional, all text, as in a URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct AuditQuery {
    /// Events by this user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Events about this object (a user, a tenant…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Events by or about this user: their history.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// An action key (`user.updated`) or a family (`user`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// From this day (`2026-11-25`, UTC) or instant (RFC 3339), inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Up to this day (inclusive: the whole day, UTC) or instant (exclusive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Opaque: a page's `next_cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A checked query. `actions` empty means every action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<Uuid>,
    pub target: Option<Uuid>,
    pub subject: Option<Uuid>,
    pub actions: Vec<String>,
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    pub limit: u32,
    pub cursor: Option<String>,
}

impl AuditQuery {
    /// Checks every part; the errors name the query parameter at fault.
    pub fn check(&self) -> Result<AuditFilter, FieldErrors> {
        let mut check = Check::default();
        let mut id = |field: &str, value: &Option<String>| {
            given(value).and_then(|v| {
                check.field(field, Uuid::parse_str(v).map_err(|_| FieldCode::Invalid))
            })
        };
        let (actor, target, subject) =
            (id("actor", &self.actor), id("target", &self.target), id("subject", &self.subject));
        let actions = match given(&self.action) {
            None => Vec::new(),
            Some(key) => {
                let family = format!("{key}.");
                let actions: Vec<String> = Action::ALL
                    .iter()
                    .map(|action| action.key())
                    .filter(|action| *action == key || action.starts_with(&family))
                    .map(str::to_owned)
                    .collect();
                if actions.is_empty() {
                    check.add("action", FieldCode::Unknown);
                }
                actions
            }
        };
        let from = given(&self.from).and_then(|v| check.field("from", instant(v, false)));
        let to = given(&self.to).and_then(|v| check.field("to", instant(v, true)));
        if let (Some(from), Some(to)) = (from, to)
            && to <= from
        {
            check.add("to", FieldCode::BeforeFrom);
        }
        let limit = match self.limit {
            None => PAGE_SIZE,
            Some(n @ 1..=MAX_PAGE_SIZE) => n,
            Some(_) => {
                check.add("limit", FieldCode::Range);
                PAGE_SIZE
            }
        };
        let cursor = given(&self.cursor).map(str::to_owned);
        check.finish(AuditFilter { actor, target, subject, actions, from, to, limit, cursor })
    }

    /// The same view with one filter changed (`None` clears it), from its first page.
    pub fn with(&self, key: &str, value: Option<String>) -> Self {
        let mut next = Self { cursor: None, ..self.clone() };
        let slot = match key {
            "actor" => &mut next.actor,
            "target" => &mut next.target,
            "subject" => &mut next.subject,
            "action" => &mut next.action,
            "from" => &mut next.from,
            "to" => &mut next.to,
            _ => return next,
        };
        *slot = value.filter(|v| !v.trim().is_empty());
        next
    }

    /// Whether any filter is set (the page offers "Clear" then).
    pub fn is_filtered(&self) -> bool {
        [&self.actor, &self.target, &self.subject, &self.action, &self.from, &self.to]
            .iter()
            .any(|v| given(v).is_some())
    }
}

/// A day (`2026-11-25`: its start in UTC, or with `end` the start of the next day) or an
/// RFC 3339 instant.
fn instant(value: &str, end: bool) -> Result<DateTime<Utc>, FieldCode> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let day =
            if end { day.checked_add_days(Days::new(1)).ok_or(FieldCode::Invalid)? } else { day };
        return Ok(day.and_time(NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(value).map(|t| t.to_utc()).map_err(|_| FieldCode::Invalid)
}

/// Who acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    User,
    /// Roster itself: bootstrap, seeding, membership rules.
    System,
    /// Nobody signed in (failed sign-ins).
    Anonymous,
    /// A value from a newer server that this build does not know: the server never sends it
    /// and never reads it from a request.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// The actor of an event, named as they were at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditActor {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
    pub name: String,
}

/// What an event is about, named as it was at the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditTarget {
    /// `user`, `tenant`…
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Uuid,
    pub name: String,
}

/// One changed field: its value before and after (`null` when it had none). Never a secret:
/// a password change says that it happened, not what it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// One event of the trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: AuditActor,
    /// The key of an [`Action`].
    pub action: String,
    pub target: Option<AuditTarget>,
    /// In field-name order.
    pub changes: Vec<FieldChange>,
    /// Context: reason codes, sessions ended, the refused permission…
    pub details: BTreeMap<String, Value>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

impl AuditEntry {
    /// The action's label.
    pub fn label(&self) -> &str {
        action_label(&self.action)
    }
}

/// A page of events, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// A JSON value as a cell of the diff: text without quotes, `—` for none, lists joined.
pub fn show_value(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(s) if s.is_empty() => "—".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "—".to_owned(),
        Value::Array(items) => items.iter().map(show_value).collect::<Vec<_>>().join(", "),
        Value::Bool(true) => "yes".to_owned(),
        Value::Bool(false) => "no".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(pairs: &[(&str, &str)]) -> Result<AuditFilter, FieldErrors> {
        crate::query::from_pairs::<AuditQuery>(pairs).check()
    }

    #[test]
    fn an_empty_query_is_every_event_newest_first() {
        let filter = checked(&[]).unwrap();
        assert_eq!(filter, AuditFilter { limit: PAGE_SIZE, ..AuditFilter::default() });
    }

    #[test]
    fn actions_are_keys_or_families() {
        assert_eq!(checked(&[("action", "user.suspended")]).unwrap().actions, ["user.suspended"]);
        let family = checked(&[("action", "session")]).unwrap().actions;
        assert_eq!(family.len(), 4);
        assert!(family.iter().all(|a| a.starts_with("session.")));
        // "user" is a family, "use" is not a prefix of anything.
        assert!(checked(&[("action", "use")]).unwrap_err().contains_key("action"));
        assert!(checked(&[("action", "user.deleted")]).unwrap_err().contains_key("action"));
    }

    #[test]
    fn days_cover_whole_utc_days_and_instants_are_exact() {
        let filter = checked(&[("from", "2026-11-24"), ("to", "2026-11-24")]).unwrap();
        assert_eq!(filter.from.unwrap().to_rfc3339(), "2026-11-24T00:00:00+00:00");
        assert_eq!(filter.to.unwrap().to_rfc3339(), "2026-11-25T00:00:00+00:00");
        let exact = checked(&[("from", "2026-11-24T10:30:00+01:00")]).unwrap();
        assert_eq!(exact.from.unwrap().to_rfc3339(), "2026-11-24T09:30:00+00:00");
    }

    #[test]
    fn bad_parts_are_named() {
        let errors = checked(&[
            ("actor", "ada"),
            ("target", "1"),
            ("from", "yesterday"),
            ("to", "2026-13-01"),
        ])
        .unwrap_err();
        assert_eq!(errors.keys().collect::<Vec<_>>(), ["actor", "from", "target", "to"]);
        let reversed = checked(&[("from", "2026-11-25"), ("to", "2026-11-24")]).unwrap_err();
        assert_eq!(reversed["to"], ["before_from"]);
        assert_eq!(checked(&[("limit", "0")]).unwrap_err()["limit"], ["range"]);
    }

    #[test]
    fn with_changes_one_filter_from_the_first_page() {
        let query = AuditQuery { cursor: Some("c".into()), ..AuditQuery::default() };
        let next = query.with("action", Some("user".into()));
        assert_eq!(next.action.as_deref(), Some("user"));
        assert_eq!(next.cursor, None);
        assert!(next.is_filtered());
        assert!(!next.with("action", Some(" ".into())).is_filtered());
    }

    #[test]
    fn values_read_as_text() {
        assert_eq!(show_value(&Value::Null), "—");
        assert_eq!(show_value(&serde_json::json!(["a", "b"])), "a, b");
        assert_eq!(show_value(&serde_json::json!(true)), "yes");
        assert_eq!(show_value(&serde_json::json!("Sales")), "Sales");
        assert_eq!(show_value(&serde_json::json!(3)), "3");
    }
}
