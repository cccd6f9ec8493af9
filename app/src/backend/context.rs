//! The request context: what every use case works with, and the runner that gives it one.
//!
//! A use case is `async fn(&mut Ctx<'_>, input) -> Result<Output, ServiceError>`. It neither
//! begins nor commits: [`Ctx::conn`] is the request's one transaction, already entered into the
//! actor's tenant (row-level security shows it no other tenant's rows). Its runner commits when
//! it succeeds and rolls back when it fails (or discards its writes, [`Ctx::discard`]); then
//! it runs what was to follow the commit ([`Ctx::after_commit`]) or, when the use case was
//! refused for want of standing ([`ServiceError::is_access_refusal`]), records `access.refused`
//! in a transaction of its own, naming what the use case said it was attempting
//! ([`Ctx::attempting`], [`Ctx::reading`]).
//!
//! There is one runner per front door: [`super::sessions::as_actor`] for a session's requests
//! (server functions and the JSON API; it resolves the session in the transaction's first round
//! trip), and [`run_as`] for an actor already known (tests, the benchmark). Signing in, changing
//! one's password (both commit a throttle count before argon2 runs) and the background rule
//! runs keep explicit transactions and say so where they are defined.

use shared::audit::Action;
use sqlx::PgConnection;

use super::audit::{self, Subject};
use super::sessions::ClientInfo;
use super::{Actor, ServiceError, Services, tenancy};

/// What a use case works with.
pub struct Ctx<'a> {
    /// The request's transaction, entered into the actor's tenant.
    pub conn: &'a mut PgConnection,
    pub actor: &'a Actor,
    pub services: &'a Services,
    /// Where the request came from, for the audit trail.
    pub client: &'a ClientInfo,
    attempted: Attempted,
    discarded: bool,
    after_commit: Vec<AfterCommit>,
}

/// Work to do once the transaction has committed ([`Ctx::after_commit`]).
type AfterCommit = Box<dyn FnOnce(&Services) + Send>;

/// What a refusal is recorded as: the action (or, for reads, the permission) and its subject.
#[derive(Clone, Copy, Debug)]
struct Attempted {
    what: &'static str,
    subject: Option<Subject>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        conn: &'a mut PgConnection,
        actor: &'a Actor,
        services: &'a Services,
        client: &'a ClientInfo,
    ) -> Self {
        let attempted = Attempted { what: "read", subject: None };
        Self {
            conn,
            actor,
            services,
            client,
            attempted,
            discarded: false,
            after_commit: Vec::new(),
        }
    }

    /// Names the change this use case makes, for the refusal the runner records if it is
    /// refused (by default a refusal is recorded as a `read`).
    pub fn attempting(&mut self, action: Action, subject: Option<Subject>) {
        self.attempted = Attempted { what: action.key(), subject };
    }

    /// Names the permission a read needs, for the refusal the runner records if it is refused.
    pub fn reading(&mut self, permission: &'static str, subject: Option<Subject>) {
        self.attempted = Attempted { what: permission, subject };
    }

    /// Says that what the use case wrote must not be kept although it succeeds (an edit that
    /// turned out to change nothing): the runner rolls the transaction back.
    pub fn discard(&mut self) {
        self.discarded = true;
    }

    /// Runs `job` once the transaction has committed (e.g. starting background work that must
    /// see what it wrote); never when it rolls back.
    pub fn after_commit(&mut self, job: impl FnOnce(&Services) + Send + 'static) {
        self.after_commit.push(Box::new(job));
    }

    /// Runs `work` in a savepoint of the request's transaction: what it writes is kept when it
    /// succeeds and undone when it fails or discards it ([`Ctx::discard`]), while the request
    /// goes on. A refusal is the request's to record (the attempt `work` named becomes the
    /// request's).
    pub async fn savepoint<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let (outcome, refusal) = self.nested(work).await?;
        if let Some(Refusal(attempted)) = refusal {
            self.attempted = attempted;
        }
        outcome
    }

    /// Runs `work` as one item of a request that holds many (a batch): in a savepoint like
    /// [`Ctx::savepoint`], so the item's writes and its audit event are kept or undone
    /// together, and with its refusal recorded at once, as a request's would be.
    pub async fn item<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let (outcome, refusal) = self.nested(work).await?;
        if let Some(refusal) = refusal {
            refusal.record(self.services, self.actor, self.client).await?;
        }
        outcome
    }

    async fn nested<T>(
        &mut self,
        work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
    ) -> Result<(Result<T, ServiceError>, Option<Refusal>), ServiceError> {
        // By name, not with sqlx's `begin`: a session's transaction is begun in its first batch
        // of SQL, which sqlx does not count, so its `begin` would not make a savepoint.
        use sqlx::Executor as _;
        self.conn.execute("savepoint roster_nested").await?;
        let mut ctx = Ctx::new(&mut *self.conn, self.actor, self.services, self.client);
        ctx.attempted = self.attempted;
        let outcome = work(&mut ctx).await;
        let ending = ctx.end(&outcome);
        let end = if ending.commit {
            "release savepoint roster_nested"
        } else {
            "rollback to savepoint roster_nested; release savepoint roster_nested"
        };
        self.conn.execute(sqlx::raw_sql(end)).await?;
        self.after_commit.extend(ending.after_commit);
        Ok((outcome, ending.refusal))
    }

    /// How the transaction ends after `outcome`: taken out of the context, which borrows the
    /// transaction that must end first.
    pub(crate) fn end<T>(&mut self, outcome: &Result<T, ServiceError>) -> Ending {
        let refused = outcome.as_ref().err().is_some_and(ServiceError::is_access_refusal);
        Ending {
            commit: outcome.is_ok() && !self.discarded,
            refusal: refused.then_some(Refusal(self.attempted)),
            after_commit: std::mem::take(&mut self.after_commit),
        }
    }
}

/// How a request's transaction ends ([`Ctx::end`]).
pub(crate) struct Ending {
    /// Commit (else roll back).
    pub commit: bool,
    /// A refusal to record once the transaction has ended.
    pub refusal: Option<Refusal>,
    after_commit: Vec<AfterCommit>,
}

impl Ending {
    /// What follows the end of the transaction: the jobs waiting for its commit, or the record
    /// of its refusal (in a transaction of its own).
    pub(crate) async fn follow(
        self,
        services: &Services,
        actor: &Actor,
        client: &ClientInfo,
    ) -> Result<(), ServiceError> {
        if self.commit {
            self.after_commit.into_iter().for_each(|job| job(services));
        }
        match self.refusal {
            Some(refusal) => refusal.record(services, actor, client).await,
            None => Ok(()),
        }
    }
}

/// A refusal to record once the request's transaction has ended ([`Ctx::end`]).
#[derive(Debug)]
pub(crate) struct Refusal(Attempted);

impl Refusal {
    /// Records `access.refused` in a transaction of its own.
    async fn record(
        self,
        services: &Services,
        actor: &Actor,
        client: &ClientInfo,
    ) -> Result<(), ServiceError> {
        let Attempted { what, subject } = self.0;
        audit::record_refusal(&services.pool, actor, what, subject, client).await
    }
}

/// Runs `work` as `actor`, who is already known, in one transaction entered into the actor's
/// tenant (see the module's documentation).
pub async fn run_as<T>(
    services: &Services,
    actor: &Actor,
    client: &ClientInfo,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut tx = tenancy::begin(&services.pool, actor.tenant_id).await?;
    let mut ctx = Ctx::new(&mut tx, actor, services, client);
    let outcome = work(&mut ctx).await;
    let ending = ctx.end(&outcome);
    if ending.commit {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    ending.follow(services, actor, client).await?;
    outcome
}
