//! The audit trail: the Audit page and a user's History tab.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ApiError;
use shared::audit::{AuditPage, AuditQuery};

/// A page of the trail, newest first.
#[server(endpoint = "audit/list", input = Json)]
pub async fn list_audit(query: AuditQuery) -> Result<AuditPage, ApiError> {
    use crate::backend::audit::trail;
    super::context::run(async |ctx| trail::list(ctx, &query).await).await
}
