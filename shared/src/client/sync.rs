//! Sync by external id: one upsert (`PUT /users/external/{external_id}`) or a batch
//! (`POST /users/batch`). See [`crate::sync`] for what the server does with them.

use reqwest::Method;
use reqwest::header::{HeaderValue, IF_MATCH};
use serde_json::Value;

use super::{Client, Error};
use crate::sync::{BatchAnswer, Operation, Upserted, UserUpsert};

impl Client {
    /// Creates the user the other system calls `external_id` (outcome `created`), or sets the
    /// fields given (`updated`, or `unchanged` when nothing differed: nothing is written then).
    /// With `if_version`, the write is refused (412 `precondition_failed`) unless the user is at
    /// that version.
    pub async fn upsert(
        &self,
        external_id: &str,
        user: &UserUpsert,
        if_version: Option<i64>,
    ) -> Result<Upserted, Error> {
        let mut request =
            self.request(Method::PUT, &["users", "external", external_id])?.json(user);
        if let Some(version) = if_version {
            request = request.header(IF_MATCH, format!("\"{version}\""));
        }
        self.read(request).await
    }

    /// Runs up to [`MAX_BATCH`](crate::sync::MAX_BATCH) operations, each on its own: the answer
    /// has one [`ItemResult`](crate::sync::ItemResult) per operation, in order, and a failed
    /// one carries its error (with field errors) while the others are done. With an
    /// `idempotency_key`, a retry of the same batch (after a timeout, say) gets the first answer
    /// again instead of running twice; derive the key from the content, not from the time.
    pub async fn batch(
        &self,
        operations: &[Operation],
        idempotency_key: Option<&str>,
    ) -> Result<BatchAnswer, Error> {
        let body = serde_json::json!({ "operations": operations });
        let mut request = self.request(Method::POST, &["users", "batch"])?.json(&body);
        if let Some(key) = idempotency_key {
            let key = HeaderValue::from_str(key).map_err(|_| {
                Error::Usage("the idempotency key is not a valid header value".into())
            })?;
            request = request.header("Idempotency-Key", key);
        }
        self.read(request).await
    }
}

/// A batch item that upserts `user` as `external_id`, refused unless the user is at `version`
/// when one is given.
pub fn upsert_operation(external_id: &str, user: &UserUpsert, version: Option<i64>) -> Operation {
    Operation::Upsert {
        external_id: external_id.to_owned(),
        version,
        // A `UserUpsert` always serialises (to an object); were it ever not to, the item would
        // be refused by the server as `op: invalid` rather than the batch failing here.
        user: serde_json::to_value(user).unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_upsert_item_carries_the_upsert_body() {
        let user = UserUpsert { user_type: Some("agent".into()), ..UserUpsert::default() };
        let item = upsert_operation("E-1", &user, Some(3));
        assert_eq!(
            serde_json::to_value(item).unwrap(),
            json!({"op": "upsert", "external_id": "E-1", "version": 3, "user": {"user_type": "agent"}})
        );
    }
}
