//! The users directory (`GET /api/v1/users`, `GET /api/v1/users/stats`): the query a page asks
//! for, checked into a [`Directory`] query, and the rows, page and stat cards it answers with.
//!
//! The same [`UserQuery`] is the URL of the page (`/users?status=active&sort=-last_login`), the
//! query string of the JSON API and the argument of the server functions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::RoleRef;
use crate::error::{Check, FieldCode, FieldErrors, holds_control};
use crate::user::{UserStatus, UserType};

/// Rows per page unless the caller asks for another size.
pub const PAGE_SIZE: u32 = 50;
/// The largest page the API serves.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Longer search terms are refused (`q`: `too_long`).
pub const MAX_SEARCH_LEN: usize = 100;
/// Terms shorter than this match the start of a name, username or email; longer ones match
/// anywhere in any searchable field.
pub const INFIX_SEARCH_MIN: usize = 3;

/// A query as it arrives: every part optional, all text, as in a URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct UserQuery {
    /// Search: name, email, username, employee code, external ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// A [`SortField`] name, with a leading `-` for descending.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Opaque: a page's `next_cursor` or `prev_cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// The status cards and filter: what a user is now, expiry included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StatusFilter {
    /// Active and not past their expiry date.
    Active,
    Suspended,
    /// Active but past their expiry date: cannot sign in.
    Expired,
    /// Has never signed in, whatever the status.
    NeverSignedIn,
}

impl StatusFilter {
    pub const ALL: [Self; 4] = [Self::Active, Self::Suspended, Self::Expired, Self::NeverSignedIn];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Expired => "expired",
            Self::NeverSignedIn => "never_signed_in",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Suspended => "Suspended",
            Self::Expired => "Expired",
            Self::NeverSignedIn => "Never signed in",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// What the directory can be ordered by; every order ends with the id so it is total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortField {
    /// Last name, then first name, ignoring case.
    #[default]
    Name,
    Email,
    /// Most recent sign-in; never signed in counts as the oldest.
    LastLogin,
    CreatedAt,
}

impl SortField {
    pub const ALL: [Self; 4] = [Self::Name, Self::Email, Self::LastLogin, Self::CreatedAt];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Email => "email",
            Self::LastLogin => "last_login",
            Self::CreatedAt => "created_at",
        }
    }
}

/// A sort field and its direction, written `name` or `-name` in URLs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Sort {
    pub field: SortField,
    pub descending: bool,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Self> {
        let (descending, name) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let field = SortField::ALL.into_iter().find(|f| f.as_str() == name)?;
        Some(Self { field, descending })
    }

    /// The URL form: `name`, `-last_login`.
    pub fn to_param(self) -> String {
        format!("{}{}", if self.descending { "-" } else { "" }, self.field.as_str())
    }

    /// Clicking a column header: the same column flips direction, another starts ascending
    /// (sign-in and creation dates start with the most recent).
    pub fn toggled(self, field: SortField) -> Self {
        if self.field == field {
            Self { field, descending: !self.descending }
        } else {
            let recent_first = matches!(field, SortField::LastLogin | SortField::CreatedAt);
            Self { field, descending: recent_first }
        }
    }
}

/// The filters of a query, checked. Everything but the status narrows the stat cards too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// Trimmed, lower-cased, never empty.
    pub search: Option<String>,
    pub status: Option<StatusFilter>,
    pub user_type: Option<UserType>,
    pub role: Option<Uuid>,
    pub team: Option<Uuid>,
    /// Only these users: a supervisor's reporting line. Set by the server from who is asking,
    /// never from the query.
    pub within: Option<Vec<Uuid>>,
}

/// A checked directory query: filters, order, page size and the raw cursor (which only the
/// server can decode).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Directory {
    pub filters: Filters,
    pub sort: Sort,
    pub limit: u32,
    pub cursor: Option<String>,
}

impl UserQuery {
    /// Checks every part; the errors name the query parameter at fault.
    pub fn check(&self) -> Result<Directory, FieldErrors> {
        let mut check = Check::default();
        let search = given(&self.q).and_then(|q| {
            if q.chars().count() > MAX_SEARCH_LEN {
                check.add("q", FieldCode::TooLong);
                None
            } else if holds_control(q) {
                check.add("q", FieldCode::ControlCharacters);
                None
            } else {
                Some(q.to_lowercase())
            }
        });
        let status = given(&self.status)
            .and_then(|s| check.field("status", StatusFilter::parse(s).ok_or(FieldCode::Unknown)));
        let user_type = given(&self.user_type).and_then(|t| {
            check.field("user_type", t.parse::<UserType>().map_err(|_| FieldCode::Unknown))
        });
        let role = given(&self.role)
            .and_then(|r| check.field("role", Uuid::parse_str(r).map_err(|_| FieldCode::Unknown)));
        let team = given(&self.team)
            .and_then(|t| check.field("team", Uuid::parse_str(t).map_err(|_| FieldCode::Unknown)));
        let sort = given(&self.sort)
            .and_then(|s| check.field("sort", Sort::parse(s).ok_or(FieldCode::Unknown)))
            .unwrap_or_default();
        let limit = match self.limit {
            None => PAGE_SIZE,
            Some(n @ 1..=MAX_PAGE_SIZE) => n,
            Some(_) => {
                check.add("limit", FieldCode::Range);
                PAGE_SIZE
            }
        };
        let filters = Filters { search, status, user_type, role, team, within: None };
        let cursor = given(&self.cursor).map(str::to_owned);
        check.finish(Directory { filters, sort, limit, cursor })
    }

    /// The query without its cursor: the first page of the same view.
    pub fn first_page(&self) -> Self {
        Self { cursor: None, ..self.clone() }
    }

    /// The same view with one filter changed (`None` clears it), from its first page.
    pub fn with(&self, key: &str, value: Option<String>) -> Self {
        let mut next = self.first_page();
        let slot = match key {
            "q" => &mut next.q,
            "status" => &mut next.status,
            "user_type" => &mut next.user_type,
            "role" => &mut next.role,
            "team" => &mut next.team,
            "sort" => &mut next.sort,
            _ => return next,
        };
        *slot = value.filter(|v| !v.trim().is_empty());
        next
    }

    /// Whether any filter or search is set (the page offers "Clear" then).
    pub fn is_filtered(&self) -> bool {
        [&self.q, &self.status, &self.user_type, &self.role, &self.team]
            .iter()
            .any(|v| v.as_deref().is_some_and(|v| !v.trim().is_empty()))
    }
}

/// A query parameter's value, trimmed, when it is given and not blank.
pub(crate) fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// One row of the directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRow {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub username: String,
    pub user_type: UserType,
    pub status: UserStatus,
    pub expired: bool,
    pub roles: Vec<RoleRef>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// When the photo was stored (its URL carries it to bust caches); none means initials.
    pub avatar_updated_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// Active, Suspended or Expired; `None` for a status from a newer server.
    pub fn state(&self) -> Option<StatusFilter> {
        match (self.status, self.expired) {
            (UserStatus::Suspended, _) => Some(StatusFilter::Suspended),
            (UserStatus::Active, true) => Some(StatusFilter::Expired),
            (UserStatus::Active, false) => Some(StatusFilter::Active),
            (UserStatus::Unknown, _) => None,
        }
    }
}

/// A page of the directory. `total` counts every user matching the filters (all pages);
/// `stats` are the stat cards under the same filters, the status aside.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    pub items: Vec<UserRow>,
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
    pub total: i64,
    pub stats: UserStats,
}

/// The stat cards: counts under the query's filters, its status aside.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserStats {
    pub total: i64,
    pub active: i64,
    pub suspended: i64,
    pub expired: i64,
    pub never_signed_in: i64,
}

impl UserStats {
    /// The card of one status.
    pub fn count(&self, status: StatusFilter) -> i64 {
        match status {
            StatusFilter::Active => self.active,
            StatusFilter::Suspended => self.suspended,
            StatusFilter::Expired => self.expired,
            StatusFilter::NeverSignedIn => self.never_signed_in,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn query(pairs: &[(&str, &str)]) -> UserQuery {
        crate::query::from_pairs(pairs)
    }

    #[test]
    fn an_empty_query_is_the_first_page_by_name() {
        let d = UserQuery::default().check().unwrap();
        assert_eq!(d.filters, Filters::default());
        assert_eq!(d.sort, Sort { field: SortField::Name, descending: false });
        assert_eq!((d.limit, d.cursor), (PAGE_SIZE, None));
    }

    #[test]
    fn accepts_every_documented_value() {
        let role = "7f2c1a6e-5b5d-4a4f-9a59-8a2b8f0a4e11";
        let d = UserQuery {
            limit: Some(MAX_PAGE_SIZE),
            ..query(&[
                ("q", "  Ada  "),
                ("status", "never_signed_in"),
                ("user_type", "supervisor"),
                ("role", role),
                ("team", role),
                ("sort", "-last_login"),
            ])
        }
        .check()
        .unwrap();
        assert_eq!(d.filters.search.as_deref(), Some("ada"));
        assert_eq!(d.filters.status, Some(StatusFilter::NeverSignedIn));
        assert_eq!(d.filters.user_type, Some(UserType::Supervisor));
        assert_eq!(d.filters.role.map(|r| r.to_string()).as_deref(), Some(role));
        assert_eq!(d.sort, Sort { field: SortField::LastLogin, descending: true });
        assert_eq!(d.limit, MAX_PAGE_SIZE);
    }

    #[test]
    fn rejects_each_bad_part_on_its_own_field() {
        let cases: [(&str, &str, &str); 7] = [
            ("status", "deleted", "unknown"),
            ("user_type", "root", "unknown"),
            ("role", "not-a-uuid", "unknown"),
            ("team", "42", "unknown"),
            ("sort", "password", "unknown"),
            ("q", &"x".repeat(MAX_SEARCH_LEN + 1), "too_long"),
            ("q", "co\0C", "control_characters"),
        ];
        for (field, value, code) in cases {
            let errors = query(&[(field, value)]).check().unwrap_err();
            assert_eq!(errors.get(field).map(|c| c.as_slice()), Some(&[code.to_owned()][..]));
        }
        for limit in [0, MAX_PAGE_SIZE + 1] {
            let errors = UserQuery { limit: Some(limit), ..UserQuery::default() }.check();
            assert!(errors.unwrap_err().contains_key("limit"));
        }
    }

    #[test]
    fn blank_parts_are_absent() {
        let d = query(&[("q", "   "), ("status", ""), ("sort", " ")]).check().unwrap();
        assert_eq!(d, UserQuery::default().check().unwrap());
        assert!(!query(&[("q", "  ")]).is_filtered());
        assert!(query(&[("team", "x")]).is_filtered());
    }

    #[test]
    fn clicking_headers_flips_or_starts_fresh() {
        let by_name = Sort::default();
        assert!(by_name.toggled(SortField::Name).descending);
        assert!(by_name.toggled(SortField::LastLogin).descending);
        assert!(!by_name.toggled(SortField::Email).descending);
    }

    #[test]
    fn one_filter_changes_from_the_first_page() {
        let full = UserQuery {
            cursor: Some("abc".into()),
            ..query(&[("q", "ada l"), ("status", "active"), ("role", "r"), ("sort", "-email")])
        };
        let changed = full.with("status", Some("suspended".into()));
        assert_eq!((changed.status.as_deref(), changed.cursor), (Some("suspended"), None));
        assert_eq!(full.with("q", Some("  ".into())).q, None);
    }

    proptest! {
        #[test]
        fn sorts_round_trip_through_their_url_form(i in 0usize..4, descending: bool) {
            let sort = Sort { field: SortField::ALL[i], descending };
            prop_assert_eq!(Sort::parse(&sort.to_param()), Some(sort));
        }

        #[test]
        fn any_search_text_is_accepted_or_refused_as_too_long(q in "[\\PC\\x00-\\x1f]{0,120}") {
            let checked = query(&[("q", q.as_str())]).check();
            let trimmed = q.trim();
            if trimmed.chars().count() > MAX_SEARCH_LEN || holds_control(trimmed) {
                prop_assert!(checked.unwrap_err().contains_key("q"));
            } else {
                let search = checked.unwrap().filters.search;
                prop_assert_eq!(search, (!trimmed.is_empty()).then(|| trimmed.to_lowercase()));
            }
        }

        #[test]
        fn unknown_sorts_are_refused(s in "[a-z_-]{1,12}") {
            let known = Sort::parse(&s).is_some();
            prop_assert_eq!(query(&[("sort", s.as_str())]).check().is_ok(), known);
        }
    }
}
