//! The directory's benchmark cases on a seeded tenant: every filter, every sort, deep paging,
//! searches and the stat cards. Shared with the scale test (`server/tests/http/directory.rs`),
//! which checks the plan of every case's statements.

use app::backend::sessions::ClientInfo;
use app::backend::users::directory;
use app::backend::{Actor, Ctx, Services, context, tenancy};
use shared::directory::UserQuery;
use shared::query::from_pairs;
use sqlx::PgPool;
use uuid::Uuid;

pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// One measured case: the label, the query, and whether it is the stat cards' endpoint.
pub struct Case {
    pub label: String,
    pub query: UserQuery,
    pub stats: bool,
}

/// The tenant's id and an active administrator to act as.
pub async fn tenant_admin(pool: &PgPool, slug: &str) -> Result<(Uuid, Uuid), Failure> {
    let missing = || format!("no tenant {slug:?} with an active administrator: run `roster seed`");
    let tenant: Uuid = sqlx::query_scalar("select id from tenants where slug = $1")
        .bind(slug)
        .fetch_optional(pool)
        .await?
        .ok_or_else(missing)?;
    let mut tx = tenancy::begin(pool, tenant).await?;
    let admin: Option<Uuid> = sqlx::query_scalar(
        "select id from users
          where tenant_id = $1 and user_type = 'tenant_admin' and status = 'active'
            and expires_at is null and not must_change_password
          order by created_at limit 1",
    )
    .bind(tenant)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((tenant, admin.ok_or_else(missing)?))
}

/// Every filter, every sort, deep paging (page `deep_page`), searches and the stat cards.
pub async fn cases(
    services: &Services,
    actor: &Actor,
    deep_page: usize,
) -> Result<Vec<Case>, Failure> {
    let mut tx = tenancy::begin(&services.pool, actor.tenant_id).await?;
    let role: Uuid = sqlx::query_scalar("select id from roles where system_key = 'auditor'")
        .fetch_one(&mut *tx)
        .await?;
    let team: Uuid = sqlx::query_scalar("select id from teams where name = 'Night shift'")
        .fetch_one(&mut *tx)
        .await?;
    // A rare term: one user's employee code, from the middle of the tenant.
    let rare: String = sqlx::query_scalar(
        "select lower(employee_code) from users where employee_code is not null order by employee_code
          offset (select count(*) / 2 from users where employee_code is not null) limit 1",
    )
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;

    let query = from_pairs::<UserQuery>;
    let case =
        |label: &str, query: UserQuery| Case { label: label.to_owned(), query, stats: false };
    let mut cases = vec![case("default page (by name)", UserQuery::default())];

    // The deep page: walk the cursors forward to it first.
    let mut deep = UserQuery::default();
    for _ in 1..deep_page {
        let list = async |ctx: &mut Ctx<'_>| directory::list(ctx, &deep).await;
        let page = context::run_as(services, actor, &ClientInfo::default(), list).await?;
        deep.cursor = Some(page.next_cursor.ok_or("too few pages: seed more users")?);
    }
    cases.push(case(&format!("page {deep_page} (cursor)"), deep));

    for status in ["active", "suspended", "expired", "never_signed_in"] {
        cases.push(case(&format!("status = {status}"), query(&[("status", status)])));
    }
    for user_type in ["supervisor", "service"] {
        cases.push(case(&format!("type = {user_type}"), query(&[("user_type", user_type)])));
    }
    let (role, team) = (role.to_string(), team.to_string());
    cases.push(case("role = Auditor", query(&[("role", &role)])));
    cases.push(case("team = Night shift", query(&[("team", &team)])));
    cases.push(case(
        "type = analyst + status = suspended",
        query(&[("user_type", "analyst"), ("status", "suspended")]),
    ));
    for sort in
        ["-name", "email", "-email", "last_login", "-last_login", "created_at", "-created_at"]
    {
        cases.push(case(&format!("sort = {sort}"), query(&[("sort", sort)])));
    }
    cases.push(case("search, common (\"garcia\")", query(&[("q", "garcia")])));
    cases.push(case(&format!("search, rare ({rare:?})"), query(&[("q", &rare)])));
    cases.push(case("search, 2 letters (\"ko\", prefix)", query(&[("q", "ko")])));
    cases.push(case(
        "search + status + sort",
        query(&[("q", "garcia"), ("status", "active"), ("sort", "-last_login")]),
    ));

    let stats = |label: &str, query: UserQuery| Case {
        label: format!("stat cards, {label}"),
        query,
        stats: true,
    };
    cases.push(stats("no filter", UserQuery::default()));
    cases.push(stats("type = agent", query(&[("user_type", "agent")])));
    cases.push(stats("role = Auditor", query(&[("role", &role)])));
    cases.push(stats("team = Night shift", query(&[("team", &team)])));
    cases.push(stats("search \"garcia\"", query(&[("q", "garcia")])));
    Ok(cases)
}
