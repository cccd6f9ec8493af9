//! Tenants, for platform superusers.

use leptos::prelude::*;
use shared::ApiError;
use shared::tenant::{CreatedTenant, NewTenantForm, Tenant};

/// Every organisation with its number of users.
#[server(endpoint = "tenants/list")]
pub async fn list_tenants() -> Result<Vec<Tenant>, ApiError> {
    super::context::run(async |ctx| crate::backend::tenants::list(ctx).await).await
}

/// Creates an organisation and its first administrator; the temporary password comes back once.
#[server(endpoint = "tenants/create")]
pub async fn create_tenant(form: NewTenantForm) -> Result<CreatedTenant, ApiError> {
    super::context::run(async |ctx| crate::backend::tenants::create(ctx, form).await).await
}
