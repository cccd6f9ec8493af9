//! Tenants, for platform superusers.

use leptos::prelude::*;
use shared::ApiError;
use shared::tenant::{CreatedTenant, NewTenantForm, Tenant};

/// Every organisation with its number of users.
#[server(endpoint = "tenants/list")]
pub async fn list_tenants() -> Result<Vec<Tenant>, ApiError> {
    let (call, actor) = super::context::actor().await?;
    Ok(crate::backend::tenants::list(&call.services.pool, &actor).await?)
}

/// Creates an organisation and its first administrator; the temporary password comes back once.
#[server(endpoint = "tenants/create")]
pub async fn create_tenant(form: NewTenantForm) -> Result<CreatedTenant, ApiError> {
    let (call, actor) = super::context::actor().await?;
    let s = &call.services;
    Ok(crate::backend::tenants::create(&s.pool, &s.passwords, &actor, form, &call.client).await?)
}
