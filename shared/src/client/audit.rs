//! `/audit`: the trail, a page at a time.

use super::{Client, Error};
use crate::audit::{AuditPage, AuditQuery};

impl Client {
    /// One page of the audit trail, newest first; its `next_cursor`, put in the query's
    /// `cursor`, asks for the next one.
    pub async fn audit(&self, query: &AuditQuery) -> Result<AuditPage, Error> {
        self.read(self.get_with(&["audit"], query)?).await
    }
}
