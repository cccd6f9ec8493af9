//! Sync by external id: `PUT /users/external/{external_id}` (create or update, `If-Match`) and
//! `POST /users/batch` (`Idempotency-Key`). See `shared::sync`.

use app::backend::idempotency::{self, IdempotencyKey, Run};
use app::backend::users::sync;
use axum::Json;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use shared::FieldCode;
use shared::sync::{BatchAnswer, BatchRequest, Outcome};

use super::RestResult;
use super::extract::{Caller, JsonBody, PathId};

/// Says that an answer is the stored one of an earlier request with the same key.
const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

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
