//! `UserPatch`: a change to some of a user's fields, as a program sends it
//! (`PATCH /api/v1/users/{id}`), and as the edit page compares two versions of its form.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::error::{Check, FieldCode, FieldErrors};
use crate::profile::WorkingHours;
use crate::user_form::UserFields;

/// Declares `UserPatch` with one optional slot per field of [`UserFields`] (the list is checked
/// against `UserFields` by `apply`, which must name every field of it).
macro_rules! user_patch {
    ($($(#[$meta:meta])* $field:ident: $ty:ty,)*) => {
        /// Some of a user's editable fields and the version they were read at. A field left
        /// out keeps its stored value; `null` clears an optional one. Saved like the edit
        /// form, with the same checks; `user_type` never changes.
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct UserPatch {
            /// The `version` of the user this change was made against (a stale one is refused).
            pub version: i64,
            $(
                #[serde(default, deserialize_with = "given", skip_serializing_if = "Option::is_none")]
                $(#[$meta])*
                pub $field: Option<$ty>,
            )*
        }

        impl UserPatch {
            /// The names of the fields a patch can carry.
            pub const FIELDS: &[&str] = &[$(stringify!($field)),*];

            /// `current` with this patch's fields laid over it.
            pub fn apply(self, current: UserFields) -> UserFields {
                UserFields { $($field: self.$field.unwrap_or(current.$field),)* }
            }

            /// The fields that differ from `before` to `after`, with `after`'s values.
            pub fn between(before: &UserFields, after: &UserFields, version: i64) -> Self {
                Self {
                    version,
                    $($field: (before.$field != after.$field).then(|| after.$field.clone()),)*
                }
            }

            /// The names of the fields this patch changes, in form order.
            pub fn changed(&self) -> Vec<&'static str> {
                let mut changed = Vec::new();
                $(if self.$field.is_some() { changed.push(stringify!($field)); })*
                changed
            }
        }
    };
}

user_patch! {
    first_name: String,
    last_name: String,
    email: String,
    username: String,
    phone: Option<String>,
    external_id: Option<String>,
    employee_code: Option<String>,
    timezone: Option<String>,
    position: Option<String>,
    department: Option<String>,
    location: Option<String>,
    branch: Option<String>,
    tags: Vec<String>,
    manager_id: Option<Uuid>,
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<std::collections::BTreeMap<String, Vec<Vec<String>>>>)
    )]
    working_hours: WorkingHours,
    roles: Vec<Uuid>,
    console_access: bool,
    expires_at: Option<String>,
}

/// A field that is present, `null` included: `"phone": null` is `Some(None)`, a change to
/// none, where a missing key stays `None`, no change.
fn given<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl UserPatch {
    /// A patch from a JSON body, each mistake named by field: a body that is not an object or
    /// has a value of the wrong type is `body: invalid`; `user_type` is `immutable`; a missing
    /// or non-integer `version` is `version: required`; every key that is not a field is
    /// `unknown_field`.
    pub fn from_json(body: Value) -> Result<Self, FieldErrors> {
        let mut check = Check::default();
        match &body {
            Value::Object(fields) if fields.contains_key("user_type") => {
                check.add("user_type", FieldCode::Immutable);
            }
            Value::Object(fields) if !fields.get("version").is_some_and(Value::is_i64) => {
                check.add("version", FieldCode::Required);
            }
            Value::Object(fields) => {
                let known =
                    |key: &&String| *key == "version" || Self::FIELDS.contains(&key.as_str());
                for key in fields.keys().filter(|key| !known(key)) {
                    check.add(key, FieldCode::UnknownField);
                }
            }
            _ => check.add("body", FieldCode::Invalid),
        }
        if !check.is_clean() {
            return Err(check.into_errors());
        }
        serde_json::from_value(body).map_err(|_| {
            check.add("body", FieldCode::Invalid);
            check.into_errors()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grace() -> UserFields {
        UserFields {
            first_name: "Grace".into(),
            last_name: "Hopper".into(),
            email: "grace@acme.test".into(),
            username: "grace".into(),
            position: Some("Chief".into()),
            ..UserFields::default()
        }
    }

    fn codes(errors: FieldErrors) -> Vec<(String, Vec<String>)> {
        errors.into_iter().collect()
    }

    fn code(field: &str, code: &str) -> Vec<(String, Vec<String>)> {
        vec![(field.to_owned(), vec![code.to_owned()])]
    }

    #[test]
    fn the_fields_are_those_of_the_form() {
        let Ok(Value::Object(form)) = serde_json::to_value(UserFields::default()) else {
            panic!("the form serialises to an object");
        };
        let mut fields = UserPatch::FIELDS.to_vec();
        fields.sort_unstable();
        assert_eq!(fields, form.keys().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn a_missing_field_keeps_its_value_and_null_clears_it() {
        let patch =
            UserPatch::from_json(json!({"version": 3, "department": "Sales", "position": null}))
                .unwrap();
        assert_eq!(patch.version, 3);
        assert_eq!(patch.changed(), ["position", "department"]);
        let after = patch.apply(grace());
        assert_eq!(after.department.as_deref(), Some("Sales"));
        assert_eq!(after.position, None);
        assert_eq!(after.first_name, "Grace");
    }

    #[test]
    fn mistakes_are_named_by_field() {
        let from = |body| UserPatch::from_json(body).map_err(codes).unwrap_err();
        assert_eq!(from(json!([1])), code("body", "invalid"));
        assert_eq!(
            from(json!({"version": 1, "user_type": "viewer"})),
            code("user_type", "immutable")
        );
        assert_eq!(from(json!({"department": "Sales"})), code("version", "required"));
        assert_eq!(from(json!({"version": "1"})), code("version", "required"));
        assert_eq!(from(json!({"version": 1, "status": "x"})), code("status", "unknown_field"));
        assert_eq!(from(json!({"version": 1, "first_name": null})), code("body", "invalid"));
        assert_eq!(from(json!({"version": 1, "tags": "a"})), code("body", "invalid"));
    }

    #[test]
    fn a_patch_between_two_forms_carries_what_changed_and_round_trips() {
        let mut mine = grace();
        mine.phone = Some("+4712345678".into());
        mine.position = None;
        let patch = UserPatch::between(&grace(), &mine, 7);
        assert_eq!(patch.changed(), ["phone", "position"]);
        let wire = serde_json::to_value(&patch).unwrap();
        assert_eq!(wire, json!({"version": 7, "phone": "+4712345678", "position": null}));
        assert_eq!(UserPatch::from_json(wire).unwrap(), patch);
        assert_eq!(patch.apply(grace()), mine);
    }
}

#[cfg(test)]
#[path = "user_patch_fuzz.rs"]
mod fuzz;
