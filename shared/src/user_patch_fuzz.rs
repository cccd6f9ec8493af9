//! Fuzz smoke run of `UserPatch::from_json`, part of `cargo test`: arbitrary JSON bodies
//! (depth ≤ 3, ≤ 32 nodes) laid over a stored user's fields and validated. 256 cases
//! each (64 for the one generating every field), about a second in all.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::profile::WEEKDAYS;
use crate::user_form::UserFields;
use uuid::Uuid;

use super::UserPatch;
use crate::error::FieldErrors;

/// The edit form's fields: every key a PATCH may change.
const FIELDS: &[&str] = UserPatch::FIELDS;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

/// A stored user's fields, as `User::fields` gives them (the timezone always set).
fn stored() -> UserFields {
    UserFields {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: "grace@acme.test".into(),
        username: "grace".into(),
        timezone: Some("Europe/London".into()),
        tags: vec!["navy".into()],
        working_hours: [("mon".to_owned(), vec![["09:00".to_owned(), "17:00".to_owned()]])].into(),
        ..UserFields::default()
    }
}

/// Any JSON value, bounded in depth and size.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// A key: a field, the version, the immutable user type or anything.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(FIELDS).prop_map(str::to_owned),
        1 => prop::sample::select(vec!["version", "user_type", "password", "id"]).prop_map(str::to_owned),
        1 => "\\PC{0,12}",
    ]
}

/// Text for a field: a plausible value, a near miss or anything (long enough to break limits).
fn text(key: &str) -> BoxedStrategy<String> {
    let plausible = match key {
        "email" => "[a-z0-9.+_-]{1,12}@[a-z0-9-]{0,12}\\.?[a-z]{0,6}".boxed(),
        "username" => "[a-z0-9._-]{0,70}".boxed(),
        "phone" => "\\+?[0-9 ().-]{0,20}".boxed(),
        "timezone" => prop::sample::select(vec!["UTC", "Europe/London", "Moon/Base", " "])
            .prop_map(str::to_owned)
            .boxed(),
        "expires_at" => {
            "2[0-9]{3}-[01][0-9]-[0-3][0-9](T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-]1[0-4]:00))?"
                .boxed()
        }
        "tags" => "[a-z -]{0,45}".boxed(),
        _ => "[A-Za-z' -]{0,110}".boxed(),
    };
    prop_oneof![3 => plausible, 1 => "\\PC{0,120}"].boxed()
}

fn uuid() -> impl Strategy<Value = Value> {
    any::<u128>().prop_map(|n| Value::from(Uuid::from_u128(n).to_string()))
}

/// A value of the field's type (so the body deserialises and validation is reached).
fn typed(key: &'static str) -> BoxedStrategy<Value> {
    let optional = |s: BoxedStrategy<String>| {
        prop::option::of(s).prop_map(|v| v.map_or(Value::Null, Value::from)).boxed()
    };
    match key {
        "first_name" | "last_name" | "email" | "username" => {
            text(key).prop_map(Value::from).boxed()
        }
        "tags" => prop::collection::vec(text("tags"), 0..25).prop_map(|t| json!(t)).boxed(),
        "roles" => prop::collection::vec(uuid(), 0..4).prop_map(Value::Array).boxed(),
        "manager_id" => prop_oneof![Just(Value::Null), uuid()].boxed(),
        "console_access" => any::<bool>().prop_map(Value::from).boxed(),
        "working_hours" => {
            let day = prop_oneof![
                prop::sample::select(WEEKDAYS.map(|(day, _)| day).to_vec()),
                Just("holiday")
            ];
            let time = prop_oneof!["[0-2][0-9]:[0-6][0-9]", "\\PC{0,6}"];
            let shifts = prop::collection::vec([time.clone(), time], 0..6);
            prop::collection::btree_map(day.prop_map(str::to_owned), shifts, 0..8)
                .prop_map(|hours| json!(hours))
                .boxed()
        }
        _ => optional(text(key)),
    }
}

/// Every field with a value of its type.
fn typed_fields() -> impl Strategy<Value = Map<String, Value>> {
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|key| typed(key).prop_map(move |value| ((*key).to_owned(), value)))
        .collect();
    fields.prop_map(|entries| entries.into_iter().collect())
}

/// A PATCH object: fields, mostly well-typed so that validation is reached, now and then
/// another key; mostly with a version.
fn object() -> impl Strategy<Value = Map<String, Value>> {
    let field = prop::sample::select(FIELDS).prop_map(str::to_owned);
    let entry = prop_oneof![10 => field, 1 => key()].prop_flat_map(|key| {
        let value = match FIELDS.iter().find(|f| **f == key) {
            Some(field) => prop_oneof![6 => typed(field), 1 => json().boxed()].boxed(),
            None => json().boxed(),
        };
        (Just(key), value)
    });
    let version = prop_oneof![4 => any::<i64>().prop_map(Value::from), 1 => json()];
    (prop::option::weighted(0.9, version), prop::collection::vec(entry, 0..6)).prop_map(
        |(version, entries)| {
            let mut body: Map<String, Value> = entries.into_iter().collect();
            if let Some(version) = version {
                body.insert("version".into(), version);
            }
            body
        },
    )
}

/// A PATCH body: mostly an object, sometimes any JSON at all.
fn body() -> impl Strategy<Value = Value> {
    prop_oneof![6 => object().prop_map(Value::Object), 1 => json()]
}

/// The body laid over the stored fields, or its field errors.
fn patched(body: Value) -> Result<(i64, UserFields), FieldErrors> {
    UserPatch::from_json(body).map(|patch| (patch.version, patch.apply(stored())))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_body_is_a_validated_profile_or_field_errors(body in body()) {
        match patched(body) {
            Ok((_, fields)) => match fields.validate(now(), None) {
                Ok(_) => {}
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for field in errors.keys() {
                        prop_assert!(FIELDS.contains(&field.as_str()), "{} is not a field", field);
                    }
                }
            },
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.values().all(|codes| !codes.is_empty()));
            }
        }
    }

    #[test]
    fn unknown_keys_are_each_named(
        mut object in object(),
        extra in prop::collection::vec(("\\PC{0,12}", json()), 1..3),
    ) {
        object.extend(extra);
        let mut unknown: Vec<&String> =
            object.keys().filter(|k| !FIELDS.contains(&k.as_str()) && *k != "version").collect();
        unknown.sort();
        let versioned = object.get("version").is_some_and(Value::is_i64);
        if unknown.is_empty() || !versioned || object.contains_key("user_type") {
            return Ok(());
        }
        let Err(errors) = patched(Value::Object(object.clone())) else {
            return Err(TestCaseError::fail(format!("accepted unknown keys {unknown:?}")));
        };
        prop_assert_eq!(errors.keys().collect::<Vec<_>>(), unknown);
        prop_assert!(errors.values().all(|codes| codes == &["unknown_field"]));
    }

}

proptest! {
    // Fewer cases: each generates every field.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn well_typed_changes_are_laid_over_the_stored_fields(
        other in typed_fields(),
        chosen in prop::sample::subsequence(FIELDS.to_vec(), 0..=FIELDS.len()),
        version: i64,
    ) {
        let mut body: Map<String, Value> =
            chosen.iter().map(|k| ((*k).to_owned(), other[*k].clone())).collect();
        body.insert("version".into(), version.into());
        let (got_version, merged) = patched(Value::Object(body)).unwrap();
        let mut expected = serde_json::to_value(stored()).unwrap();
        for key in &chosen {
            expected[*key] = other[*key].clone();
        }
        prop_assert_eq!(got_version, version);
        prop_assert_eq!(serde_json::to_value(merged).unwrap(), expected);
    }
}
