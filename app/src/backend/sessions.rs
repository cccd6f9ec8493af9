//! Sessions: a random 256-bit token in the browser, only its SHA-256 in Postgres, idle and
//! absolute timeouts, and the Actor each request acts as.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use shared::second_factor::SecondFactorPolicy;
use shared::{Permission, TenantSlug, UserType, permission};
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{Executor as _, PgConnection, PgPool, Postgres};
use std::net::IpAddr;
use uuid::Uuid;

use super::ServiceError;
use super::Services;
use super::actor::{Actor, TokenRef};
use super::context::Ctx;
use super::tokens::TokenSecret;

/// The columns an [`ActorRow`] is read from, over `users u` joined with `tenants t`.
macro_rules! actor_columns {
    () => {
        concat!(
            "u.tenant_id, u.id as user_id, u.username, u.email, u.first_name, u.last_name,
             u.user_type, u.status, u.console_access, u.expires_at, u.must_change_password,
             t.slug as tenant_slug, t.name as tenant_name, t.second_factor_policy,
             exists(select 1 from second_factors f
                     where f.tenant_id = u.tenant_id and f.user_id = u.id
                       and f.confirmed_at is not null) as second_factor, ",
            granted_keys!(),
            " as granted"
        )
    };
}

/// The permission keys `users u`'s roles grant: their own roles and their teams' default roles.
macro_rules! granted_keys {
    () => {
        "array(select distinct unnest(r.permissions)
                 from roles r
                where r.tenant_id = u.tenant_id
                  and (r.id in (select ur.role_id from user_roles ur
                                 where ur.tenant_id = u.tenant_id and ur.user_id = u.id)
                       or r.id in (select tt.default_role_id from teams tt
                                     join team_members m
                                       on m.tenant_id = tt.tenant_id and m.team_id = tt.id
                                    where tt.tenant_id = u.tenant_id and m.user_id = u.id)))"
    };
}
pub(crate) use granted_keys;

/// The distinct (user type, granted keys) of the tenant's (`$1`) users whose ids `$reached`
/// (a subquery) selects.
macro_rules! holdings_of {
    ($reached:literal) => {
        concat!(
            "select distinct u.user_type, ",
            granted_keys!(),
            " from users u where u.tenant_id = $1 and u.id in (",
            $reached,
            ")"
        )
    };
}

/// How long sessions live.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// Ends a session not used for this long.
    pub idle: Duration,
    /// Ends every session this long after sign-in, used or not.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self { idle: Duration::minutes(30), absolute: Duration::hours(12) }
    }
}

/// Where a request came from, for sessions and the audit trail.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    pub request_id: Option<String>,
}

/// The session token the browser keeps (in an HttpOnly cookie).
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl SessionToken {
    /// Wraps a token received from a client.
    pub fn from_client(value: &str) -> Self {
        Self(value.to_owned())
    }

    /// The cookie value.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn generate() -> Self {
        Self(random_secret())
    }

    /// What is stored: SHA-256 of the token, so a copy of the database opens no session.
    fn hash(&self) -> Vec<u8> {
        hash_secret(&self.0)
    }
}

/// 256 random bits from the operating system, base64url: the body of every secret Roster
/// hands out (session cookies, API tokens).
pub(crate) fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What Roster keeps of a secret it handed out: its SHA-256. The 256 random bits leave nothing
/// to guess, so a slow hash would buy nothing.
pub(crate) fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Inserts the session `$1` of the user `$3` of the tenant `$2`, ending at `$4` or with the
/// account (`account`'s `expires_at`), from the address `$5` and the browser `$6`.
macro_rules! insert_session {
    () => {
        // `least` passes over a null: an account without an expiry.
        "insert into sessions (token_hash, tenant_id, user_id, expires_at, source_ip, user_agent)
         select $1, $2, $3, least($4, expires_at), $5, $6 from account"
    };
}

/// Starts a session for a user who has just proven who they are again (a password change, which
/// ended their others), in one statement that share-locks their row: users::update brings
/// existing sessions forward to a changed expiry ([`end_by`]), and the lock orders the two. A
/// session never outlives its user's account: an expiry that passes and is extended later must
/// not revive it.
pub async fn start(
    conn: &mut PgConnection,
    policy: &SessionPolicy,
    tenant_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
) -> Result<SessionToken, sqlx::Error> {
    let token = SessionToken::generate();
    let (ends, ip, agent) = session_values(policy, client);
    let started = sqlx::query(concat!(
        "with account as (select expires_at from users where tenant_id = $2 and id = $3 for share) ",
        insert_session!()
    ))
    .bind(token.hash())
    .bind(tenant_id)
    .bind(user_id)
    .bind(ends)
    .bind(ip)
    .bind(agent)
    .execute(conn)
    .await?;
    if started.rows_affected() == 0 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(token)
}

/// Starts the session of a user who has just signed in, records the sign-in on them (which locks
/// their row, as [`start`] needs) and reads them as the session's actor: one statement. The
/// actor is `None` when they may not use the console.
pub async fn start_signed_in(
    conn: &mut PgConnection,
    policy: &SessionPolicy,
    tenant_id: Uuid,
    user_id: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(SessionToken, Option<Actor>), ServiceError> {
    let token = SessionToken::generate();
    let (ends, ip, agent) = session_values(policy, client);
    let row: ActorRow = sqlx::query_as(concat!(
        "with account as (update users set last_login_at = now()
                           where tenant_id = $2 and id = $3 returning *),
              started as (",
        insert_session!(),
        ") select ",
        actor_columns!(),
        " from account u join tenants t on t.id = u.tenant_id"
    ))
    .bind(token.hash())
    .bind(tenant_id)
    .bind(user_id)
    .bind(ends)
    .bind(ip)
    .bind(agent)
    .fetch_one(&mut *conn)
    .await?;
    Ok((token, row.into_actor(conn, now, Door::Session).await?))
}

/// A new session's latest end, address and browser.
fn session_values<'c>(
    policy: &SessionPolicy,
    client: &'c ClientInfo,
) -> (DateTime<Utc>, Option<sqlx::types::ipnetwork::IpNetwork>, Option<&'c str>) {
    let ip = client.ip.map(sqlx::types::ipnetwork::IpNetwork::from);
    (Utc::now() + policy.absolute, ip, client.user_agent.as_deref())
}

/// Brings the end of a user's sessions forward to their account's expiry, so none outlives it
/// ([`start`] starts them that way).
pub async fn end_by(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
    account_ends: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update sessions set expires_at = $3
          where tenant_id = $1 and user_id = $2 and expires_at > $3",
        tenant_id,
        user_id,
        account_ends
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends one session (sign-out).
pub async fn end(pool: &PgPool, token: &SessionToken) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from sessions where token_hash = $1", token.hash()).execute(pool).await?;
    Ok(())
}

/// Ends every session of a user (suspension, password reset or change, a reset of their second
/// factor), and every sign-in of theirs waiting for its second factor; returns how many sessions.
pub async fn end_all(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "with waiting as (delete from sign_in_challenges where tenant_id = $1 and user_id = $2)
         delete from sessions where tenant_id = $1 and user_id = $2",
        tenant_id,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// The Actor behind a token, or `Unauthenticated` when the session is unknown, idle too long,
/// past its absolute end, or its user may no longer sign in. Permissions are read fresh on
/// every request, so role changes apply at once.
pub async fn resolve(
    services: &Services,
    token: &SessionToken,
    client: &ClientInfo,
) -> Result<Actor, ServiceError> {
    as_actor(services, token, client, async |ctx| Ok(ctx.actor.clone())).await
}

/// The runner of a session's requests (see [`super::context`]): runs `work` as the token's
/// actor ([`resolve`]) in the transaction that resolved it, entered into the actor's tenant, so
/// a request's statements share one BEGIN and one COMMIT; `work`'s error rolls back what it
/// wrote, and a refusal is recorded once the transaction has ended.
pub async fn as_actor<T>(
    services: &Services,
    token: &SessionToken,
    client: &ClientInfo,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let now = Utc::now();
    let policy = &services.sessions;
    let hash = token.hash();
    let (mut tx, session) =
        RequestTransaction::begin::<SessionRow>(&services.pool, &hash, Door::Session).await?;
    let session = match session {
        Some(session)
            if session.session_ends_at > now && session.last_seen_at + policy.idle > now =>
        {
            session
        }
        ended => {
            tx.end("rollback").await?;
            if ended.is_some() {
                sqlx::query!("delete from sessions where token_hash = $1", hash)
                    .execute(&mut *tx.conn)
                    .await?;
            }
            return Err(ServiceError::Unauthenticated);
        }
    };
    let actor = live_actor(&mut tx.conn, session, &hash, now).await;
    run_in(tx, actor, services, client, work).await
}

/// The runner of a program's requests, sent with an API token: as [`as_actor`], with the
/// token's service account as the actor, holding what both the token and the account hold.
/// A token unknown, revoked or expired, or whose account is suspended or expired, is
/// `Unauthenticated`.
pub async fn as_token_actor<T>(
    services: &Services,
    secret: &TokenSecret,
    client: &ClientInfo,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let now = Utc::now();
    let hash = secret.hash();
    let (mut tx, token) =
        RequestTransaction::begin::<TokenRow>(&services.pool, &hash, Door::Token).await?;
    let live =
        token.filter(|t| t.revoked_at.is_none() && t.token_ends_at.is_none_or(|end| end > now));
    let Some(token) = live else {
        tx.end("rollback").await?;
        return Err(ServiceError::Unauthenticated);
    };
    if let Err(throttled) = services.token_rate.check(token.token_id) {
        tx.end("rollback").await?;
        return Err(throttled);
    }
    let actor = token_actor(&mut tx.conn, token, &hash, client, now).await;
    run_in(tx, actor, services, client, work).await
}

/// Runs `work` as `actor` (unless resolving it failed) in `tx`, commits or rolls back as it
/// ends, then records a refusal if it was one.
async fn run_in<T>(
    mut tx: RequestTransaction,
    actor: Result<Actor, ServiceError>,
    services: &Services,
    client: &ClientInfo,
    work: impl AsyncFnOnce(&mut Ctx<'_>) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let actor = match actor {
        Ok(actor) => actor,
        Err(e) => {
            tx.end("rollback").await?;
            return Err(e);
        }
    };
    let mut ctx = Ctx::new(&mut tx.conn, &actor, services, client);
    let outcome = work(&mut ctx).await;
    let ending = ctx.end(&outcome);
    tx.end(if ending.commit { "commit" } else { "rollback" }).await?;
    drop(tx); // its connection back to the pool first: a refusal's record takes one
    ending.follow(services, &actor, client).await?;
    outcome
}

/// The actor of a live token: its service account, holding only what the token also holds.
/// Its last use is written at most once a minute.
async fn token_actor(
    conn: &mut PgConnection,
    token: TokenRow,
    hash: &[u8],
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<Actor, ServiceError> {
    let actor = token.actor.into_actor(conn, now, Door::Token).await?;
    let mut actor = actor.ok_or(ServiceError::Unauthenticated)?;
    let allowed = permission::from_keys(&token.token_permissions);
    actor.permissions.retain(|p| allowed.contains(p));
    actor.token = Some(TokenRef { id: token.token_id, name: token.token_name });
    if token.last_used_at.is_none_or(|at| at < now - chrono::Duration::minutes(1)) {
        let ip = client.ip.map(sqlx::types::ipnetwork::IpNetwork::from);
        sqlx::query!(
            "update api_tokens set last_used_at = $2, last_used_ip = $3 where token_hash = $1",
            hash,
            now,
            ip
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(actor)
}

/// The actor of a live session, which is touched at most once a minute: keeps the idle timeout
/// honest without a write per request. `Unauthenticated` when its user may no longer sign in.
async fn live_actor(
    conn: &mut PgConnection,
    session: SessionRow,
    hash: &[u8],
    now: DateTime<Utc>,
) -> Result<Actor, ServiceError> {
    let actor = session.actor.into_actor(conn, now, Door::Session).await?;
    let mut actor = actor.ok_or(ServiceError::Unauthenticated)?;
    actor.session = Some(session.session_id);
    actor.signed_in_at = Some(session.session_started_at);
    if session.last_seen_at < now - chrono::Duration::minutes(1) {
        sqlx::query!(
            "update sessions set last_seen_at = $2
          where token_hash = $1 and last_seen_at < $2::timestamptz - interval '1 minute'",
            hash,
            now
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(actor)
}

/// The statements a request's first round trip executes ([`RequestTransaction::begin`]),
/// prepared once on each connection: entering the session's (or API token's) tenant, then
/// reading the session (or token) with its user and what their roles grant.
const PREPARE_SESSION_STATEMENTS: &str = concat!(
    "prepare roster_enter_session(bytea) as
       select set_config('roster.tenant_id',
                         coalesce((select tenant_id::text from sessions where token_hash = $1), ''),
                         true);
     prepare roster_read_session(bytea) as
       select s.id as session_id, s.created_at as session_started_at, s.last_seen_at,
              s.expires_at as session_ends_at, ",
    actor_columns!(),
    " from sessions s join users u on u.tenant_id = s.tenant_id and u.id = s.user_id
        join tenants t on t.id = s.tenant_id
       where s.token_hash = $1;
     prepare roster_enter_token(bytea) as
       select set_config('roster.tenant_id',
                         coalesce((select tenant_id::text from api_token_tenants
                                    where token_hash = $1), ''),
                         true);
     prepare roster_read_token(bytea) as
       select k.id as token_id, k.name as token_name, k.permissions as token_permissions,
              k.expires_at as token_ends_at, k.revoked_at, k.last_used_at, ",
    actor_columns!(),
    " from api_tokens k join users u on u.tenant_id = k.tenant_id and u.id = k.user_id
        join tenants t on t.id = k.tenant_id
       where k.token_hash = $1"
);

/// A request's transaction, begun in the round trip that also enters the session's tenant and
/// reads the session: one simple-protocol batch, whose rows sqlx's `Transaction` would discard.
/// Ended explicitly with [`Self::end`]; dropped while still open (the request was cancelled), it
/// closes its connection, which ends the transaction, rather than pool a connection inside one.
struct RequestTransaction {
    conn: PoolConnection<Postgres>,
    open: bool,
}

impl RequestTransaction {
    async fn begin<R: for<'r> sqlx::FromRow<'r, PgRow>>(
        pool: &PgPool,
        hash: &[u8],
        door: Door,
    ) -> Result<(Self, Option<R>), sqlx::Error> {
        let mut tx = Self { conn: pool.acquire().await?, open: true };
        // The hash is written as hex digits, so nothing from the request reaches the text.
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        let what = match door {
            Door::Session => "session",
            Door::Token => "token",
        };
        let batch = format!(
            "begin; execute roster_enter_{what}('\\x{hex}');
             execute roster_read_{what}('\\x{hex}')"
        );
        let rows = match tx.conn.fetch_all(sqlx::raw_sql(&batch)).await {
            Err(e) if e.as_database_error().and_then(|e| e.code()).as_deref() == Some("26000") => {
                // A connection's first request: prepare the statements, then begin again.
                tx.conn.execute(sqlx::raw_sql("rollback")).await?;
                tx.conn.execute(sqlx::raw_sql(PREPARE_SESSION_STATEMENTS)).await?;
                tx.conn.fetch_all(sqlx::raw_sql(&batch)).await?
            }
            rows => rows?,
        };
        // The first row is the tenant entered; the second, if any, the session or token.
        let found = rows.get(1).map(R::from_row).transpose()?;
        Ok((tx, found))
    }

    /// Commits or rolls back (`sql`); the connection then goes back to the pool as usual.
    async fn end(&mut self, sql: &'static str) -> Result<(), sqlx::Error> {
        self.conn.execute(sqlx::raw_sql(sql)).await?;
        self.open = false;
        Ok(())
    }
}

impl Drop for RequestTransaction {
    fn drop(&mut self) {
        if self.open {
            self.conn.close_on_drop();
        }
    }
}

/// How a request proves who makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Door {
    /// A session cookie, from signing in to the console.
    Session,
    /// An API token of a service account (`Authorization: Bearer`).
    Token,
}

/// A user as read to become an Actor.
#[derive(sqlx::FromRow)]
struct ActorRow {
    tenant_id: Uuid,
    user_id: Uuid,
    username: String,
    email: String,
    first_name: String,
    last_name: String,
    user_type: String,
    status: String,
    console_access: bool,
    expires_at: Option<DateTime<Utc>>,
    must_change_password: bool,
    tenant_slug: String,
    tenant_name: String,
    second_factor_policy: String,
    /// Whether they have a confirmed second factor.
    second_factor: bool,
    granted: Vec<String>,
}

/// An API token with its service account.
#[derive(sqlx::FromRow)]
struct TokenRow {
    token_id: Uuid,
    token_name: String,
    token_permissions: Vec<String>,
    token_ends_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    #[sqlx(flatten)]
    actor: ActorRow,
}

/// A session with its user.
#[derive(sqlx::FromRow)]
struct SessionRow {
    session_id: Uuid,
    last_seen_at: DateTime<Utc>,
    session_ends_at: DateTime<Utc>,
    session_started_at: DateTime<Utc>,
    #[sqlx(flatten)]
    actor: ActorRow,
}

impl ActorRow {
    /// The Actor, if the user may still come in by `door`: active and not expired, and through
    /// the console with console access (not a service account), through a token only as a
    /// service account. A supervisor's reporting line is read on `conn`.
    async fn into_actor(
        self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
        door: Door,
    ) -> Result<Option<Actor>, ServiceError> {
        let user_type: UserType =
            self.user_type.parse().map_err(|e| ServiceError::Internal(format!("{e}")))?;
        let may_enter = match door {
            Door::Session => self.console_access && user_type.may_use_console(),
            Door::Token => user_type == UserType::Service,
        };
        let usable =
            self.status == "active" && may_enter && self.expires_at.is_none_or(|at| at > now);
        if !usable {
            return Ok(None);
        }
        let line = match user_type {
            UserType::Supervisor => Some(reporting_line(conn, self.tenant_id, self.user_id).await?),
            _ => None,
        };
        // The platform tenant holds only superusers (creating anyone else there is refused);
        // one arranged there by hand with another type is no superuser.
        let superuser =
            self.tenant_slug == TenantSlug::PLATFORM && user_type == UserType::TenantAdmin;
        let permissions = permission::effective(user_type, permission::from_keys(&self.granted));
        // A policy this build does not know asks the most of everyone.
        let policy = self.second_factor_policy.parse().unwrap_or(SecondFactorPolicy::Everyone);
        let second_factor_required = superuser || policy.requires(&permissions);
        Ok(Some(Actor {
            tenant_id: self.tenant_id,
            superuser,
            tenant_slug: self.tenant_slug,
            tenant_name: self.tenant_name,
            user_id: self.user_id,
            username: self.username,
            email: self.email,
            first_name: self.first_name,
            last_name: self.last_name,
            user_type,
            permissions,
            // A pending password change or second factor is the console's business, not a
            // program's.
            must_change_password: self.must_change_password && door == Door::Session,
            must_enrol_second_factor: second_factor_required
                && !self.second_factor
                && door == Door::Session,
            second_factor_required,
            line,
            token: None,
            session: None,
            signed_in_at: None,
        }))
    }
}

/// Loads a user as an Actor if they may still use the console (see [`ActorRow::into_actor`]).
/// Must run in a transaction entered into `tenant_id`.
pub async fn load_actor(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Actor>, ServiceError> {
    let row: Option<ActorRow> = sqlx::query_as(concat!(
        "select ",
        actor_columns!(),
        " from users u join tenants t on t.id = u.tenant_id where u.tenant_id = $1 and u.id = $2"
    ))
    .bind(tenant_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(row) => row.into_actor(conn, now, Door::Session).await,
        None => Ok(None),
    }
}

/// Everyone who reports to `user`, directly or not: a walk down the manager index.
pub(crate) async fn reporting_line(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<Uuid>, sqlx::Error> {
    // A recursive query's columns are not known to be non-null; these are users' ids.
    sqlx::query_scalar!(
        r#"with recursive line(id) as (
               select id from users where tenant_id = $1 and manager_id = $2
               union
               select u.id from users u join line l on u.manager_id = l.id where u.tenant_id = $1
           )
           select id as "id!" from line"#,
        tenant_id,
        user_id
    )
    .fetch_all(conn)
    .await
}

/// What the user's roles grant: their own roles and their teams' default roles.
pub(crate) async fn granted_permissions(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    user_id: Uuid,
) -> Result<Vec<Permission>, sqlx::Error> {
    let keys: Vec<String> = sqlx::query_scalar(concat!(
        "select ",
        granted_keys!(),
        " from users u where u.tenant_id = $1 and u.id = $2"
    ))
    .bind(tenant_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?
    .unwrap_or_default();
    // Keys no longer in the catalogue are ignored rather than failing the request.
    Ok(keys.iter().filter_map(|k| k.parse().ok()).collect())
}

/// Who a change of a team or a role reaches.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Reached {
    /// The members of a team (its default role).
    Members(Uuid),
    /// The holders of a role: directly, and through the teams that give it by default.
    Holders(Uuid),
}

/// Refuses unless the actor outranks every user `reached`: a change of what a team or a role
/// grants changes the access of each of them (403, recorded like any refusal).
pub(crate) async fn require_outranks_all(
    conn: &mut PgConnection,
    actor: &Actor,
    reached: Reached,
) -> Result<(), ServiceError> {
    if Permission::ALL.iter().all(|p| actor.permissions.contains(p)) {
        return Ok(());
    }
    // One row per distinct (type, grant) among them, not one per user.
    let (sql, id) = match reached {
        Reached::Members(team) => (
            holdings_of!(
                "select m.user_id from team_members m where m.tenant_id = $1 and m.team_id = $2"
            ),
            team,
        ),
        Reached::Holders(role) => (
            holdings_of!(
                "select ur.user_id from user_roles ur where ur.tenant_id = $1 and ur.role_id = $2
                 union
                 select m.user_id from team_members m
                   join teams t on t.tenant_id = m.tenant_id and t.id = m.team_id
                  where t.tenant_id = $1 and t.default_role_id = $2"
            ),
            role,
        ),
    };
    let rows: Vec<(String, Vec<String>)> =
        sqlx::query_as(sql).bind(actor.tenant_id).bind(id).fetch_all(conn).await?;
    for (user_type, keys) in rows {
        let user_type: UserType =
            user_type.parse().map_err(|e| ServiceError::Internal(format!("{e}")))?;
        let holds: Vec<Permission> =
            permission::effective(user_type, permission::from_keys(&keys)).into_iter().collect();
        actor.require_outranks(&holds)?;
    }
    Ok(())
}
