//! `Idempotency-Key`: a request sent again with the same key (a client retrying after a
//! timeout) gets the first answer instead of running twice. Keys are the sender's own and live
//! [`IDEMPOTENCY_HOURS`]; the same key with another request is refused.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use shared::FieldCode;
use shared::sync::{IDEMPOTENCY_HOURS, MAX_IDEMPOTENCY_KEY};

use super::{Ctx, ServiceError};

/// A checked `Idempotency-Key`: 1 to 200 visible ASCII characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The header's value, or a field error on `Idempotency-Key`.
    pub fn parse(value: &str) -> Result<Self, ServiceError> {
        let fits = (1..=MAX_IDEMPOTENCY_KEY).contains(&value.len());
        if fits && value.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(Self(value.to_owned()))
        } else {
            Err(ServiceError::field("Idempotency-Key", FieldCode::Invalid))
        }
    }
}

/// Whether an answer is the first or a replay of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    First,
    Replayed,
}

/// Runs `work` unless this actor already ran `request` with `key` within the last day, in which
/// case the stored answer comes back instead. `stored` makes the answer to keep from the
/// answer given (e.g. without a secret that must be shown only once). The key is claimed before
/// `work` runs, in the same transaction, so a concurrent retry waits for this one to end.
pub async fn once<T: Serialize + DeserializeOwned>(
    ctx: &mut Ctx<'_>,
    key: &IdempotencyKey,
    request: &[u8],
    stored: impl FnOnce(&T) -> T,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<(T, Run), ServiceError> {
    let (tenant, user) = (ctx.actor.tenant_id, ctx.actor.user_id);
    let hash = Sha256::digest(request).to_vec();
    sqlx::query!(
        "delete from idempotency_keys
          where tenant_id = $1 and user_id = $2
            and created_at < now() - make_interval(hours => $3)",
        tenant,
        user,
        IDEMPOTENCY_HOURS as i32
    )
    .execute(&mut *ctx.conn)
    .await?;
    let claimed = sqlx::query!(
        "insert into idempotency_keys (tenant_id, user_id, key, request_hash)
         values ($1, $2, $3, $4) on conflict do nothing",
        tenant,
        user,
        key.0,
        hash
    )
    .execute(&mut *ctx.conn)
    .await?;
    if claimed.rows_affected() == 0 {
        let first = sqlx::query!(
            "select request_hash, answer from idempotency_keys
              where tenant_id = $1 and user_id = $2 and key = $3",
            tenant,
            user,
            key.0
        )
        .fetch_one(&mut *ctx.conn)
        .await?;
        if first.request_hash != hash {
            return Err(ServiceError::Conflict(
                "This Idempotency-Key was used for another request; choose a new key.".into(),
            ));
        }
        let answer = first.answer.ok_or_else(|| {
            ServiceError::Internal("a claimed idempotency key without its answer".into())
        })?;
        let answer = serde_json::from_value(answer)
            .map_err(|err| ServiceError::Internal(format!("a stored answer: {err}")))?;
        return Ok((answer, Run::Replayed));
    }
    let answer = work(ctx).await?;
    let kept = serde_json::to_value(stored(&answer))
        .map_err(|err| ServiceError::Internal(format!("an answer to store: {err}")))?;
    sqlx::query!(
        "update idempotency_keys set answer = $4
          where tenant_id = $1 and user_id = $2 and key = $3",
        tenant,
        user,
        key.0,
        kept
    )
    .execute(&mut *ctx.conn)
    .await?;
    Ok((answer, Run::First))
}
