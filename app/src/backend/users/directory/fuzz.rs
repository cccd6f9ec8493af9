//! Property tests standing in for fuzz targets: the keyset cursor and the query string, parsed
//! the way `GET /api/v1/users` parses them (axum's `Query`, then [`checked`]). They are the
//! bounded smoke run of `cargo test`: 256 cases each, under a second in all.

use axum::extract::Query;
use axum::http::{StatusCode, Uri};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use proptest::prelude::*;
use shared::directory::{MAX_PAGE_SIZE, MAX_SEARCH_LEN, PAGE_SIZE, Sort, SortField, UserQuery};
use uuid::Uuid;

use super::checked;
use super::cursor::{Cursor, Key};
use crate::backend::ServiceError;

/// The query parameters a directory error may name.
const PARAMS: [&str; 8] = ["q", "status", "user_type", "role", "team", "sort", "limit", "cursor"];

fn assert_field_error(result: Result<impl std::fmt::Debug, ServiceError>, field: &str, code: &str) {
    match result {
        Err(ServiceError::Validation(fields)) => {
            assert_eq!(fields.len(), 1, "{fields:?}");
            assert_eq!(fields.get(field).map(Vec::as_slice), Some(&[code.to_owned()][..]));
        }
        other => panic!("expected {field}: {code}, got {other:?}"),
    }
}

fn sort() -> impl Strategy<Value = Sort> {
    (prop::sample::select(SortField::ALL.to_vec()), any::<bool>())
        .prop_map(|(field, descending)| Sort { field, descending })
}

/// Sign-in and creation times as the database holds them (years 1 to 9999: what RFC 3339, the
/// cursor's JSON form, writes).
fn time() -> impl Strategy<Value = DateTime<Utc>> {
    (-62_135_596_800_000_000i64..253_402_300_799_999_999)
        .prop_filter_map("in range", DateTime::from_timestamp_micros)
}

/// A key of the kind `sort` orders by.
fn key(sort: Sort) -> BoxedStrategy<Key> {
    match sort.field {
        SortField::Name => (".*", ".*").prop_map(|(last, first)| Key::Name(last, first)).boxed(),
        SortField::Email => ".*".prop_map(Key::Email).boxed(),
        SortField::LastLogin | SortField::CreatedAt => {
            prop::option::of(time()).prop_map(Key::Time).boxed()
        }
    }
}

fn cursor() -> impl Strategy<Value = (Sort, Cursor)> {
    sort().prop_flat_map(|sort| {
        (key(sort), any::<bool>(), any::<u128>()).prop_map(move |(key, before, id)| {
            let cursor = Cursor { sort: sort.to_param(), before, key, id: Uuid::from_u128(id) };
            (sort, cursor)
        })
    })
}

/// `%XX` for every byte but the unreserved ones, as a browser would send a value.
fn percent_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A value worth sending for a parameter: a valid one, a near miss or anything at all.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "active",
            "never_signed_in",
            "agent",
            "supervisor",
            "-name",
            "email",
            "-created_at",
            "last_login",
            "0",
            "1",
            "50",
            "200",
            "201",
            "4294967296",
            "-1",
            " 7 ",
            "",
        ])
        .prop_map(str::to_owned),
        any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        cursor().prop_map(|(_, c)| c.encode()),
        "\\PC{0,120}",
        any::<String>(),
    ]
}

/// A query string of known and unknown parameters (repeats included), percent-encoded.
fn query_string() -> impl Strategy<Value = String> {
    let name = prop_oneof![3 => prop::sample::select(PARAMS.to_vec()).prop_map(str::to_owned), 1 => ".{0,8}"];
    prop::collection::vec((name, value()), 0..6).prop_map(|pairs| {
        let pairs: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", percent_encoded(k), percent_encoded(v)))
            .collect();
        pairs.join("&")
    })
}

/// What the JSON API does with a query string: a deserialisation failure is answered as the
/// field error `query: invalid` (a 400); else [`checked`] accepts or refuses it.
fn check_query_string(raw: &str) -> Result<(), TestCaseError> {
    let Ok(uri) = Uri::try_from(format!("/api/v1/users?{raw}")) else {
        return Err(TestCaseError::reject("not a URI"));
    };
    let query = match Query::<UserQuery>::try_from_uri(&uri) {
        Ok(Query(query)) => query,
        Err(rejection) => {
            prop_assert_eq!(rejection.status(), StatusCode::BAD_REQUEST);
            return Ok(());
        }
    };
    match checked(&query) {
        Ok((directory, cursor)) => {
            let limit = directory.limit;
            prop_assert!((1..=MAX_PAGE_SIZE).contains(&limit));
            prop_assert_eq!(limit, query.limit.unwrap_or(PAGE_SIZE));
            prop_assert!(SortField::ALL.contains(&directory.sort.field));
            prop_assert_eq!(Sort::parse(&directory.sort.to_param()), Some(directory.sort));
            let typed = query.q.as_deref().unwrap_or_default().trim();
            prop_assert!(typed.chars().count() <= MAX_SEARCH_LEN);
            prop_assert_eq!(directory.filters.search.is_some(), !typed.is_empty());
            prop_assert_eq!(cursor.is_some(), directory.cursor.is_some());
        }
        Err(ServiceError::Validation(fields)) => {
            prop_assert!(!fields.is_empty());
            for (field, codes) in &fields {
                prop_assert!(PARAMS.contains(&field.as_str()), "{} is not a parameter", field);
                prop_assert!(!codes.is_empty());
            }
        }
        Err(other) => prop_assert!(false, "{raw}: {other:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cursors_round_trip((sort, cursor) in cursor()) {
        prop_assert_eq!(Cursor::decode(&cursor.encode(), sort).ok(), Some(cursor));
    }

    #[test]
    fn a_cursor_only_fits_its_own_sort((made_for, cursor) in cursor(), sort in sort()) {
        let decoded = Cursor::decode(&cursor.encode(), sort);
        if sort == made_for {
            prop_assert!(decoded.is_ok());
        } else {
            assert_field_error(decoded, "cursor", "invalid");
        }
    }

    #[test]
    fn any_text_is_a_cursor_or_a_field_error(raw in any::<String>(), sort in sort()) {
        if let Err(e) = Cursor::decode(&raw, sort) {
            assert_field_error(Err::<(), _>(e), "cursor", "invalid");
        }
    }

    #[test]
    fn any_bytes_or_json_behind_the_base64_are_a_cursor_or_a_field_error(
        bytes in prop_oneof![
            any::<Vec<u8>>(),
            "\\{\"sort\":\"-?(name|email|last_login)\",\"before\":(true|1),\"key\":\\{\"(name|email|time)\":.{0,12}\\},\"id\":\".{0,40}\"\\}"
                .prop_map(String::into_bytes),
        ],
        sort in sort(),
    ) {
        if let Err(e) = Cursor::decode(&URL_SAFE_NO_PAD.encode(bytes), sort) {
            assert_field_error(Err::<(), _>(e), "cursor", "invalid");
        }
    }

    #[test]
    fn any_query_string_is_checked_or_refused_on_a_parameter(raw in query_string()) {
        check_query_string(&raw)?;
    }

    #[test]
    fn raw_query_string_bytes_never_panic(raw in "[a-z_=&%+;0-9A-F.~-]{0,80}") {
        check_query_string(&raw)?;
    }
}
