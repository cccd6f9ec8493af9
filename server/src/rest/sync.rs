//! Sync by external id: `PUT /users/external/{external_id}` (create or update, `If-Match`) and
//! `POST /users/batch` (`Idempotency-Key`). See `shared::sync`.

use app::backend::idempotency::{self, IdempotencyKey, Run};
use app::backend::users::sync;
use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shared::FieldCode;
use shared::sync::{BatchAnswer, BatchRequest, Outcome, Upserted, UserUpsert};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};
use super::openapi::Failure;
use shared::ApiError;

/// Says that an answer is the stored one of an earlier request with the same key.
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Creates or updates the user with this external id.
#[utoipa::path(
    put, path = "/users/external/{external_id}", tag = "sync",
    params(("external_id" = String, Path, description = "The user's id in the other system (ignoring case)"),
           ("If-Match" = Option<String>, Header, description = "Write only if the user is at this version (`\"3\"`)")),
    request_body(content = UserUpsert, description = "The fields to set; the others keep their values"),
    responses((status = 201, description = "Created", body = Upserted, headers(("ETag" = String, description = "The user's version"))),
              (status = 200, description = "Updated, or `unchanged` (nothing written)", body = Upserted, headers(("ETag" = String, description = "The user's version"))),
              (status = 412, description = "The user is not at the `If-Match` version", body = ApiError), Failure)
)]
pub async fn upsert(
    caller: Caller,
    PathId(external_id): PathId<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<Value>,
) -> RestResult<Response> {
    let version = if_match(&headers)?;
    let done = caller.run(async |ctx| sync::upsert(ctx, &external_id, body, version).await).await?;
    let status =
        if done.outcome == Outcome::Created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, [(header::ETAG, etag(done.user.version))], Json(done)).into_response())
}

/// Up to 1,000 upserts, suspensions and reactivations, each on its own.
#[utoipa::path(
    post, path = "/users/batch", tag = "sync",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (for a day)")),
    request_body = BatchRequest,
    responses((status = 200, description = "One result per item, in order", body = BatchAnswer,
               headers(("Idempotent-Replayed" = Option<String>, description = "`true` when this is the stored answer of an earlier request"))), Failure)
)]
pub async fn batch(
    caller: Caller,
    headers: HeaderMap,
    JsonBody(request): JsonBody<BatchRequest>,
) -> RestResult<Response> {
    let key = match headers.get("idempotency-key") {
        Some(value) => Some(IdempotencyKey::parse(value.to_str().unwrap_or_default())?),
        None => None,
    };
    let fingerprint = serde_json::to_vec(&request).unwrap_or_default();
    let (answer, run) = caller
        .run(async |ctx| match &key {
            Some(key) => {
                let kept = BatchAnswer::without_secrets;
                idempotency::once(ctx, key, &fingerprint, kept, async |ctx| {
                    sync::batch(ctx, request.operations).await
                })
                .await
            }
            None => Ok((sync::batch(ctx, request.operations).await?, Run::First)),
        })
        .await?;
    let mut response = Json(answer).into_response();
    if run == Run::Replayed {
        response.headers_mut().insert(REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The version an `If-Match` header names (`"3"`, `W/"3"` or `3`), if it is sent.
fn if_match(headers: &HeaderMap) -> Result<Option<i64>, app::backend::ServiceError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(None) };
    let text = value.to_str().unwrap_or_default().trim();
    let text = text.strip_prefix("W/").unwrap_or(text).trim_matches('"');
    text.parse()
        .map(Some)
        .map_err(|_| app::backend::ServiceError::field("If-Match", FieldCode::Invalid))
}

/// A user's version as an entity tag.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}
