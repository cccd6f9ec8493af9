//! The query strings of the console's views (`?q=ada&status=active`): read and written through
//! serde, in the format the JSON API's parameters take, so a page's address is also its API call.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// `?key=value&…` of the parts that are set, or nothing when none is.
pub fn to_query_string<T: Serialize>(query: &T) -> String {
    match serde_urlencoded::to_string(query) {
        Ok(pairs) if !pairs.is_empty() => format!("?{pairs}"),
        _ => String::new(),
    }
}

/// The query a URL's query string (with or without its `?`) holds; one the JSON API would refuse
/// (a limit that is not a number, a repeated key) is the default view.
pub fn from_query_string<T: DeserializeOwned + Default>(query: &str) -> T {
    serde_urlencoded::from_str(query.trim_start_matches('?')).unwrap_or_default()
}

/// The query these `key=value` pairs make, as if they came in a URL (for tests, tools and other
/// Rust clients).
pub fn from_pairs<T: DeserializeOwned + Default>(pairs: &[(&str, &str)]) -> T {
    from_query_string(&serde_urlencoded::to_string(pairs).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditQuery;
    use crate::directory::UserQuery;

    #[test]
    fn a_view_survives_its_address() {
        let users = UserQuery {
            q: Some("ada l&co".into()),
            status: Some("active".into()),
            sort: Some("-email".into()),
            limit: Some(20),
            cursor: Some("abc=".into()),
            ..UserQuery::default()
        };
        let audit =
            AuditQuery { action: Some("user.".into()), limit: Some(5), ..AuditQuery::default() };
        assert_eq!(to_query_string(&UserQuery::default()), "");
        assert_eq!(from_query_string::<UserQuery>(&to_query_string(&users)), users);
        assert_eq!(from_query_string::<AuditQuery>(&to_query_string(&audit)), audit);
        assert_eq!(to_query_string(&audit), "?action=user.&limit=5");
    }

    #[test]
    fn what_the_api_refuses_is_the_default_view() {
        assert_eq!(from_query_string::<UserQuery>("?q=ada&limit=ten"), UserQuery::default());
        assert_eq!(from_query_string::<UserQuery>("q=ada&q=bob"), UserQuery::default());
        assert_eq!(
            from_query_string::<UserQuery>("q=ada+lovelace&x=1").q.as_deref(),
            Some("ada lovelace")
        );
    }
}
