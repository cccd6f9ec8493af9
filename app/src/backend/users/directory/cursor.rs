//! The opaque cursor of a directory page: base64url JSON of the sort it was made for, the sort
//! key and id of the row next to the page, and on which side of it the page lies.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::FieldCode;
use shared::directory::{Sort, SortField};
use uuid::Uuid;

use crate::backend::ServiceError;

/// Where a page starts: the sort key and id of the row next to it, and on which side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct Cursor {
    /// The sort the cursor was made for, `-name` style; another sort refuses it.
    pub sort: String,
    /// Rows before the key (the previous page) rather than after it.
    pub before: bool,
    pub key: Key,
    pub id: Uuid,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Key {
    Name(String, String),
    Email(String),
    /// Last sign-in (none: never) or creation.
    Time(Option<DateTime<Utc>>),
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn decode(raw: &str, sort: Sort) -> Result<Self, ServiceError> {
        let bad = || ServiceError::field("cursor", FieldCode::Invalid);
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
        let cursor: Self = serde_json::from_slice(&bytes).map_err(|_| bad())?;
        let fits = matches!(
            (sort.field, &cursor.key),
            (SortField::Name, Key::Name(..))
                | (SortField::Email, Key::Email(_))
                | (SortField::LastLogin | SortField::CreatedAt, Key::Time(_))
        );
        if cursor.sort != sort.to_param() || !fits {
            return Err(bad());
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_another_sort() {
        let sort = Sort { field: SortField::Email, descending: true };
        let cursor = Cursor {
            sort: sort.to_param(),
            before: true,
            key: Key::Email("ada@example.com".into()),
            id: Uuid::nil(),
        };
        let raw = cursor.encode();
        assert_eq!(Cursor::decode(&raw, sort).ok(), Some(cursor));
        assert!(Cursor::decode(&raw, Sort::default()).is_err());
        assert!(Cursor::decode("not base64!", sort).is_err());
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(b"{}"), sort).is_err());
    }
}
