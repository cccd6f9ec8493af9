//! Keeping Roster in step with another system by its ids (see `shared::sync`): an upsert by
//! external id, and batches of upserts, suspensions and reactivations.

use serde_json::Value;
use shared::account::UserEdit;
use shared::audit::Action;
use shared::sync::{self, BatchAnswer, ItemResult, Operation, Outcome, Upserted, UserUpsert};
use shared::{ApiError, FieldCode, Permission, UserStatus};
use uuid::Uuid;

use super::super::audit::Subject;
use super::super::{Ctx, ServiceError};
use super::{lifecycle, load, write};

/// Creates or updates the user whose external id is `external_id` (ignoring case) from a
/// [`UserUpsert`] body; `version` (an `If-Match`) refuses the write unless the user is at it.
/// Nothing is written when nothing would change.
pub async fn upsert(
    ctx: &mut Ctx<'_>,
    external_id: &str,
    body: Value,
    version: Option<i64>,
) -> Result<Upserted, ServiceError> {
    ctx.attempting(Action::UserUpdated, None);
    let actor = ctx.actor;
    if actor.require(Permission::UsersCreate).is_err() {
        actor.require(Permission::UsersUpdate)?;
    }
    let external_id = sync::external_id(external_id).map_err(ServiceError::Validation)?;
    match find(ctx, &external_id).await? {
        None => create(ctx, &external_id, body, version).await,
        Some((id, _)) => update(ctx, id, &external_id, body, version).await,
    }
}

/// The id and version of the user of the actor's tenant with this external id (by the stored
/// key, so the index serves it under row-level security).
async fn find(ctx: &mut Ctx<'_>, external_id: &str) -> Result<Option<(Uuid, i64)>, ServiceError> {
    let row = sqlx::query!(
        "select id, version from users where tenant_id = $1 and external_id_key = lower($2)",
        ctx.actor.tenant_id,
        external_id
    )
    .fetch_optional(&mut *ctx.conn)
    .await?;
    Ok(row.map(|r| (r.id, r.version)))
}

async fn create(
    ctx: &mut Ctx<'_>,
    external_id: &str,
    body: Value,
    version: Option<i64>,
) -> Result<Upserted, ServiceError> {
    ctx.attempting(Action::UserCreated, None);
    ctx.actor.require(Permission::UsersCreate)?;
    if version.is_some() {
        return Err(ServiceError::PreconditionFailed(
            "There is no user with this external id, so none at that version.".into(),
        ));
    }
    let upsert = UserUpsert::from_json(body).map_err(ServiceError::Validation)?;
    same_external_id(&upsert, external_id)?;
    let created = write::create(ctx, upsert.new_user(external_id)).await?;
    Ok(Upserted {
        outcome: Outcome::Created,
        user: created.user,
        temporary_password: created.temporary_password,
    })
}

async fn update(
    ctx: &mut Ctx<'_>,
    id: Uuid,
    external_id: &str,
    body: Value,
    version: Option<i64>,
) -> Result<Upserted, ServiceError> {
    ctx.attempting(Action::UserUpdated, Some(Subject::User(id)));
    ctx.actor.require(Permission::UsersUpdate)?;
    ctx.actor.require_sees(id)?;
    let upsert = UserUpsert::from_json(body).map_err(ServiceError::Validation)?;
    same_external_id(&upsert, external_id)?;
    let before = load(ctx.conn, ctx.actor.tenant_id, id).await?.ok_or(ServiceError::NotFound)?;
    if version.is_some_and(|v| v != before.version) {
        return Err(ServiceError::PreconditionFailed(format!(
            "This user has changed since: they are at version {}.",
            before.version
        )));
    }
    if upsert.user_type.as_deref().is_some_and(|t| t != before.user_type.as_str()) {
        return Err(ServiceError::field("user_type", FieldCode::Immutable));
    }
    let status = match upsert.status.as_deref().map(str::parse::<UserStatus>) {
        Some(Ok(status)) => Some(status),
        Some(Err(_)) => return Err(ServiceError::field("status", FieldCode::Unknown)),
        None => None,
    };
    let (stored, fields) = (before.fields(), upsert.fields.apply(before.fields()));
    let same_status = status.is_none_or(|s| s == before.status);
    if fields == stored && same_status {
        // What a feed sends most days: nothing to check, nothing to write. (Values that differ
        // only in spelling, such as an email's case, go through the save, which then finds
        // nothing changed.)
        ctx.actor.require_outranks(&before.permissions)?;
        return Ok(Upserted {
            outcome: Outcome::Unchanged,
            user: before,
            temporary_password: None,
        });
    }
    let edit = (fields != stored).then_some(UserEdit { version: before.version, fields });
    let loaded = before.clone();
    let mut after = match edit {
        None => loaded,
        Some(edit) if same_status => write::save_loaded(ctx, loaded, edit).await?,
        // A save that changes nothing discards its writes: only its savepoint's, as the change
        // of status is still to come.
        Some(edit) => {
            ctx.savepoint(async |ctx| write::save_loaded(ctx, loaded, edit).await).await?
        }
    };
    match status {
        Some(UserStatus::Suspended) if after.status != UserStatus::Suspended => {
            after = lifecycle::suspend(ctx, id).await?;
        }
        Some(UserStatus::Active) if after.status != UserStatus::Active => {
            after = lifecycle::reactivate(ctx, id).await?;
        }
        _ => {}
    }
    let outcome =
        if after.version == before.version { Outcome::Unchanged } else { Outcome::Updated };
    Ok(Upserted { outcome, user: after, temporary_password: None })
}

/// An `external_id` in the body must be the one in the address (which is the user's key): not
/// another, and not `null`, which would let the user go.
fn same_external_id(upsert: &UserUpsert, external_id: &str) -> Result<(), ServiceError> {
    match &upsert.fields.external_id {
        Some(Some(given)) if given.trim().eq_ignore_ascii_case(external_id) => Ok(()),
        Some(_) => Err(ServiceError::field("external_id", FieldCode::Invalid)),
        None => Ok(()),
    }
}

/// Runs a batch's operations in order, each in a savepoint of its own: one that fails is
/// undone alone (its refusal recorded like a request's) and the others go on.
pub async fn batch(ctx: &mut Ctx<'_>, operations: Vec<Value>) -> Result<BatchAnswer, ServiceError> {
    ctx.actor.require_settled()?;
    if operations.len() > sync::MAX_BATCH {
        return Err(ServiceError::field("operations", FieldCode::TooMany));
    }
    let mut results = Vec::with_capacity(operations.len());
    let mut passwords = 0;
    for operation in operations {
        let Ok(operation) = serde_json::from_value::<Operation>(operation) else {
            let error = ApiError::from(ServiceError::field("op", FieldCode::Invalid));
            results.push(ItemResult { error: Some(error), ..result(422, None) });
            continue;
        };
        let external_id = Some(operation.external_id().to_owned());
        let hashing = operation.carries_password();
        passwords += usize::from(hashing);
        let done = if hashing && passwords > sync::MAX_BATCH_PASSWORDS {
            Err(ServiceError::field("password", FieldCode::TooMany))
        } else {
            ctx.item(async |ctx| run(ctx, operation).await).await
        };
        results.push(match done {
            Ok(done) => ItemResult {
                outcome: Some(done.outcome),
                id: Some(done.user.id),
                version: Some(done.user.version),
                temporary_password: done.temporary_password,
                ..result(if done.outcome == Outcome::Created { 201 } else { 200 }, external_id)
            },
            Err(err @ ServiceError::Database(_)) => return Err(err),
            Err(err) => {
                let error = ApiError::from(err);
                ItemResult {
                    error: Some(error.clone()),
                    ..result(error.error.http_status(), external_id)
                }
            }
        });
    }
    Ok(BatchAnswer::of(results))
}

fn result(status: u16, external_id: Option<String>) -> ItemResult {
    ItemResult {
        status,
        external_id,
        outcome: None,
        id: None,
        version: None,
        temporary_password: None,
        error: None,
    }
}

/// One operation of a batch.
async fn run(ctx: &mut Ctx<'_>, operation: Operation) -> Result<Upserted, ServiceError> {
    let (external_id, suspend) = match operation {
        Operation::Upsert { external_id, version, user } => {
            return upsert(ctx, &external_id, user, version).await;
        }
        Operation::Suspend { external_id } => (external_id, true),
        Operation::Reactivate { external_id } => (external_id, false),
    };
    let action = if suspend { Action::UserSuspended } else { Action::UserReactivated };
    ctx.attempting(action, None);
    ctx.actor.require(Permission::UsersSuspend)?;
    let external_id = sync::external_id(&external_id).map_err(ServiceError::Validation)?;
    let (id, version) = find(ctx, &external_id).await?.ok_or(ServiceError::NotFound)?;
    ctx.actor.require_sees(id)?;
    let user = if suspend {
        lifecycle::suspend(ctx, id).await?
    } else {
        lifecycle::reactivate(ctx, id).await?
    };
    // Suspending a suspended user changes nothing, and says so.
    let outcome = if user.version == version { Outcome::Unchanged } else { Outcome::Updated };
    Ok(Upserted { outcome, user, temporary_password: None })
}
