//! `/tenants`, for platform superusers.

use app::backend::tenants;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::tenant::{CreatedTenant, NewTenantForm, Tenant};

use super::RestResult;
use super::extract::{Authenticated, Client, JsonBody};
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
) -> RestResult<Json<Vec<Tenant>>> {
    Ok(Json(tenants::list(&state.services.pool, &actor).await?))
}

pub async fn create(
    State(state): State<AppState>,
    Authenticated(actor): Authenticated,
    Client(client): Client,
    JsonBody(form): JsonBody<NewTenantForm>,
) -> RestResult<(StatusCode, Json<CreatedTenant>)> {
    let s = &state.services;
    let created = tenants::create(&s.pool, &s.passwords, &actor, form, &client).await?;
    Ok((StatusCode::CREATED, Json(created)))
}
