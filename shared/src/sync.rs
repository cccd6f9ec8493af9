//! Keeping Roster in step with another system (an HR database, a directory): a user is named by
//! the other system's id, its `external_id`.
//!
//! - `PUT /api/v1/users/external/{external_id}` with a [`UserUpsert`] body creates the user
//!   (201) or updates them (200); when nothing would change it answers 200 `unchanged` and
//!   writes nothing, not even an audit event. An `If-Match` header with the user's `version`
//!   refuses the write (412) when the user has changed since.
//! - `POST /api/v1/users/batch` with a [`BatchRequest`] runs up to [`MAX_BATCH`] upserts,
//!   suspensions and reactivations, each on its own (one bad item does not stop the others) and
//!   each atomic with its audit event, and answers one [`ItemResult`] per item in order. With an
//!   `Idempotency-Key` header, a retried batch gets the first answer again instead of running
//!   twice.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::account::User;
use crate::error::{ApiError, Check, FieldCode, FieldErrors};
use crate::password::Password;
use crate::user::UserStatus;
use crate::user_form::{NewUserForm, PasswordChoice, UserFields};
use crate::user_patch::UserPatch;

/// The most items a batch may hold.
pub const MAX_BATCH: usize = 1000;
/// The most items of a batch that may carry a password to set or generate: each new user's costs
/// an argon2 hash (about 20 ms of a core, from the pool that sign-ins share), so one batch holds
/// the server's cores for a second at most. Later items with one are refused (`password:
/// too_many`); send them in another batch.
pub const MAX_BATCH_PASSWORDS: usize = 50;
/// The longest `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 200;
/// How long a batch's answer is kept for a retry with the same `Idempotency-Key`, in hours.
pub const IDEMPOTENCY_HOURS: i64 = 24;

/// The user as the other system knows them. The fields given are set and the others keep their
/// values (a new user's: their defaults), so a sync that does not know about roles or tags
/// leaves those the console gave; `null` clears an optional field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserUpsert {
    /// The profile fields given (the `version` inside is unused).
    pub fields: UserPatch,
    /// Needed to create a user; on an update, it must be the stored type if given.
    pub user_type: Option<String>,
    /// `active` or `suspended`: a new user's status, or a change of status (which needs
    /// `users.suspend` and is audited as a suspension or reactivation).
    pub status: Option<String>,
    /// A new user's password; ignored on an update. When absent the user gets none, and cannot
    /// sign in until an administrator resets it: a program has nobody to hand a temporary
    /// password to (ask for `{"mode": "generate"}` to get one in the answer).
    pub password: Option<PasswordChoice>,
    /// Whether a new user must change the password they are given; ignored on an update.
    pub must_change_password: Option<bool>,
}

/// The keys of an upsert that are not profile fields.
const ACCOUNT_KEYS: [&str; 4] = ["user_type", "status", "password", "must_change_password"];

impl UserUpsert {
    /// Reads a JSON body, naming each mistake by field like a `PATCH` (`unknown_field` for keys
    /// that are not fields, `body: invalid` for values of the wrong type); `version` is not a
    /// field here (send `If-Match`).
    pub fn from_json(body: Value) -> Result<Self, FieldErrors> {
        let Value::Object(mut body) = body else {
            return Err(ApiError::field("body", FieldCode::Invalid).fields);
        };
        let mut check = Check::default();
        let mut take = |key: &str| body.remove(key);
        let mut account = Map::new();
        for key in ACCOUNT_KEYS {
            if let Some(value) = take(key) {
                account.insert(key.to_owned(), value);
            }
        }
        if body.contains_key("version") {
            check.add("version", FieldCode::UnknownField);
            body.remove("version");
        }
        body.insert("version".to_owned(), Value::from(0));
        let fields = UserPatch::from_json(Value::Object(body));
        let account = serde_json::from_value::<AccountKeys>(Value::Object(account));
        match (fields, account) {
            (Ok(fields), Ok(account)) if check.is_clean() => Ok(Self {
                fields,
                user_type: account.user_type,
                status: account.status,
                password: account.password,
                must_change_password: account.must_change_password,
            }),
            (Err(errors), _) => Err(errors.into_iter().chain(check.into_errors()).collect()),
            (_, Err(_)) => {
                check.add("body", FieldCode::Invalid);
                Err(check.into_errors())
            }
            (Ok(_), Ok(_)) => Err(check.into_errors()),
        }
    }

    /// The form that creates this user, named `external_id`.
    pub fn new_user(self, external_id: &str) -> NewUserForm {
        NewUserForm {
            fields: UserFields {
                external_id: Some(external_id.to_owned()),
                ..self.fields.apply(UserFields::default())
            },
            user_type: self.user_type.unwrap_or_default(),
            status: self.status.unwrap_or_else(|| UserStatus::Active.as_str().to_owned()),
            password: self.password.unwrap_or(PasswordChoice::None),
            must_change_password: self.must_change_password.unwrap_or(true),
        }
    }
}

/// The body [`UserUpsert::from_json`] reads back: the profile fields given (no `version`) and
/// the account keys that are set.
impl Serialize for UserUpsert {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let Value::Object(mut body) =
            serde_json::to_value(&self.fields).map_err(S::Error::custom)?
        else {
            return Err(S::Error::custom("a user patch is not a JSON object"));
        };
        body.remove("version");
        let account = [
            ("user_type", serde_json::to_value(&self.user_type)),
            ("status", serde_json::to_value(&self.status)),
            ("password", serde_json::to_value(&self.password)),
            ("must_change_password", serde_json::to_value(self.must_change_password)),
        ];
        for (key, value) in account {
            match value.map_err(S::Error::custom)? {
                Value::Null => {}
                value => {
                    body.insert(key.to_owned(), value);
                }
            }
        }
        body.serialize(serializer)
    }
}

/// The non-profile keys of an upsert, typed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountKeys {
    user_type: Option<String>,
    status: Option<String>,
    password: Option<PasswordChoice>,
    must_change_password: Option<bool>,
}

/// Checks an external id named in an address: trimmed, not empty, at most 100 characters, no
/// spaces (the same rule as the profile field).
pub fn external_id(raw: &str) -> Result<String, FieldErrors> {
    let mut check = Check::default();
    let id = check.field("external_id", crate::profile::optional_identifier(Some(raw)));
    match id.flatten() {
        Some(id) if check.is_clean() => Ok(id),
        _ => {
            if check.is_clean() {
                check.add("external_id", FieldCode::Required);
            }
            Err(check.into_errors())
        }
    }
}

/// What an upsert did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    /// Nothing differed: nothing was written.
    Unchanged,
    /// A value this build does not know (from a newer server).
    #[serde(other)]
    Other,
}

/// The answer to an upsert.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Upserted {
    pub outcome: Outcome,
    pub user: User,
    /// A new user's generated password, shown this once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<Password>,
}

/// One item of a batch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// Create or update the user with this external id.
    Upsert {
        external_id: String,
        /// Refuse the write (412) unless the user is at this version (`If-Match` of one item).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<i64>,
        /// A [`UserUpsert`] body.
        user: Value,
    },
    /// Suspend the user with this external id (ending their sessions).
    Suspend { external_id: String },
    /// Let the user with this external id sign in again.
    Reactivate { external_id: String },
}

impl Operation {
    /// Whether the item asks for a password to be set or generated (anything but none).
    pub fn carries_password(&self) -> bool {
        let Self::Upsert { user, .. } = self else { return false };
        match user.get("password") {
            None | Some(Value::Null) => false,
            Some(choice) => choice.get("mode").and_then(Value::as_str) != Some("none"),
        }
    }

    /// The external id the item is about.
    pub fn external_id(&self) -> &str {
        match self {
            Self::Upsert { external_id, .. }
            | Self::Suspend { external_id }
            | Self::Reactivate { external_id } => external_id,
        }
    }
}

/// The body of `POST /api/v1/users/batch`. Items are read one by one, so one malformed item is
/// that item's error (`op: invalid`) and not the batch's.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchRequest {
    /// [`Operation`]s, at most [`MAX_BATCH`].
    pub operations: Vec<Value>,
}

/// The result of one item, in the batch's order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemResult {
    /// The HTTP status the item would have had on its own: 200, 201, 403, 404, 409, 412, 422…
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// What was done, for an item that succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The user's version after the item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// A new user's generated password, shown this once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<Password>,
    /// Why the item failed (with its field errors); nothing of it was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// The answer to a batch: one result per item, and the counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchAnswer {
    pub results: Vec<ItemResult>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
}

impl BatchAnswer {
    /// The answer without the temporary passwords it carries: what is kept for a retry (a
    /// secret is shown once; a user whose answer was lost gets a new one by a reset).
    pub fn without_secrets(&self) -> Self {
        let mut kept = self.clone();
        kept.results.iter_mut().for_each(|r| r.temporary_password = None);
        kept
    }

    /// The answer for these results, counted.
    pub fn of(results: Vec<ItemResult>) -> Self {
        let count = |outcome| results.iter().filter(|r| r.outcome == Some(outcome)).count();
        Self {
            created: count(Outcome::Created),
            updated: count(Outcome::Updated),
            unchanged: count(Outcome::Unchanged),
            failed: results.iter().filter(|r| r.error.is_some()).count(),
            results,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(body: Value) -> Vec<(String, Vec<String>)> {
        UserUpsert::from_json(body).unwrap_err().into_iter().collect()
    }

    #[test]
    fn profile_fields_and_account_keys_are_told_apart() {
        let upsert = UserUpsert::from_json(json!({
            "first_name": "Ada", "last_name": "Lovelace", "email": "ada@acme.test",
            "username": "ada", "department": "Research", "user_type": "agent",
            "status": "suspended", "password": {"mode": "generate"},
        }))
        .unwrap();
        assert_eq!(
            upsert.fields.changed(),
            ["first_name", "last_name", "email", "username", "department"]
        );
        assert_eq!(upsert.user_type.as_deref(), Some("agent"));
        assert_eq!(upsert.status.as_deref(), Some("suspended"));
        let form = upsert.new_user("E-17");
        assert_eq!(form.fields.external_id.as_deref(), Some("E-17"));
        assert_eq!(form.fields.department.as_deref(), Some("Research"));
        assert_eq!(form.status, "suspended");
        assert_eq!(form.password, PasswordChoice::Generate);
        let bare = UserUpsert::from_json(json!({"first_name": "Ada"})).unwrap().new_user("E-18");
        assert_eq!(bare.password, PasswordChoice::None);
    }

    #[test]
    fn an_upsert_serialises_to_the_body_it_is_read_from() {
        let full = UserUpsert::from_json(json!({
            "first_name": "Ada", "email": "ada@acme.test", "phone": null, "tags": ["hr"],
            "user_type": "agent", "status": "suspended",
            "password": {"mode": "set", "password": "a long and good passphrase"},
            "must_change_password": false,
        }))
        .unwrap();
        let wire = serde_json::to_value(&full).unwrap();
        assert!(wire.get("version").is_none(), "{wire}");
        assert_eq!(wire.get("phone"), Some(&Value::Null), "a cleared field stays cleared");
        assert_eq!(UserUpsert::from_json(wire).unwrap(), full);
        let bare = UserUpsert::default();
        assert_eq!(serde_json::to_value(&bare).unwrap(), json!({}));
        assert_eq!(UserUpsert::from_json(json!({})).unwrap(), bare);
    }

    #[test]
    fn mistakes_are_named_by_field() {
        let one = |field: &str, code: &str| vec![(field.to_owned(), vec![code.to_owned()])];
        assert_eq!(codes(json!([])), one("body", "invalid"));
        assert_eq!(codes(json!({"version": 3})), one("version", "unknown_field"));
        assert_eq!(codes(json!({"shoe_size": 44})), one("shoe_size", "unknown_field"));
        assert_eq!(codes(json!({"status": 1})), one("body", "invalid"));
        assert_eq!(codes(json!({"tags": "x"})), one("body", "invalid"));
    }

    #[test]
    fn an_external_id_in_an_address_is_checked_like_the_field() {
        assert_eq!(external_id(" E-17 ").unwrap(), "E-17");
        assert!(external_id("").is_err());
        assert!(external_id("two words").is_err());
        assert!(external_id(&"x".repeat(101)).is_err());
    }

    #[test]
    fn an_operation_names_its_kind_and_an_unknown_outcome_still_reads() {
        let op: Operation =
            serde_json::from_value(json!({"op": "suspend", "external_id": "E-1"})).unwrap();
        assert_eq!(op, Operation::Suspend { external_id: "E-1".into() });
        assert_eq!(op.external_id(), "E-1");
        assert_eq!(serde_json::from_value::<Outcome>(json!("merged")).unwrap(), Outcome::Other);
    }
}
