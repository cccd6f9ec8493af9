//! Fuzz smoke run of the trail's cursor, part of `cargo test` (256 cases each, milliseconds):
//! anything a client sends is a cursor or the field error `cursor: invalid`, never a panic.

use super::*;
use proptest::prelude::*;

/// Whether `raw` is refused, and refused as `cursor: invalid` alone.
fn refused(raw: &str) -> bool {
    match decode_cursor(raw) {
        Ok(_) => false,
        Err(ServiceError::Validation(fields)) => {
            fields.len() == 1 && fields.get("cursor") == Some(&vec!["invalid".to_owned()])
        }
        Err(other) => panic!("{raw:?}: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cursors_round_trip(
        time in any::<i64>().prop_filter_map("in range", DateTime::from_timestamp_micros),
        id: i64,
    ) {
        prop_assert_eq!(decode_cursor(&encode_cursor(time, id)).ok(), Some((time, id)));
    }

    #[test]
    fn any_text_is_a_cursor_or_a_field_error(raw: String) {
        prop_assert!(decode_cursor(&raw).is_ok() || refused(&raw));
    }

    #[test]
    fn any_bytes_behind_the_base64_are_a_cursor_or_a_field_error(
        text in prop_oneof![
            any::<Vec<u8>>(),
            "[+-]?[0-9]{0,22}\\.[+-]?[0-9]{0,22}".prop_map(String::into_bytes),
        ],
    ) {
        let raw = URL_SAFE_NO_PAD.encode(&text);
        prop_assert!(decode_cursor(&raw).is_ok() || refused(&raw));
    }
}
