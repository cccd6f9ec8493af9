//! The users directory: every filter, sort and search, keyset paging both ways under inserts,
//! the stat cards against a real count, tenant scoping and the permission check.

use app::backend::ServiceError;
use app::backend::users::directory;
use chrono::{Duration, Utc};
use shared::directory::{StatusFilter, UserPage, UserQuery, UserStats};
use sqlx::PgPool;
use std::collections::BTreeSet;
use uuid::Uuid;

use app::backend::Actor;

use crate::support::{all_tenants, member, role_id, run, tenant_with_admin};

/// One fixture user: names, username, type, status, days since the last sign-in (none: never),
/// days until expiry (negative: expired), employee code.
type Person = (&'static str, &'static str, &'static str, &'static str, &'static str);
const PEOPLE: &[(Person, Option<i64>, Option<i64>, &str)] = &[
    (("Ada", "Lovelace", "ada", "agent", "active"), Some(1), None, "E-1001"),
    (("Alan", "Turing", "alan", "supervisor", "active"), Some(3), None, "E-1002"),
    (("Grace", "Hopper", "grace", "agent", "suspended"), Some(10), None, "E-1003"),
    (("Søren", "Kierkegaard", "soren", "analyst", "active"), None, None, "E-1004"),
    (("Zoë", "Garcia", "zoe", "agent", "active"), Some(2), Some(-1), "E-1005"),
    (("José", "García", "jose", "viewer", "active"), None, Some(30), "E-1006"),
    (("Łukasz", "Nowak", "lukasz", "service", "active"), None, None, "E-1007"),
    (("Ayşe", "Yılmaz", "ayse", "agent", "suspended"), None, None, "E-1008"),
    (("Kofi", "Mensah", "kofi", "supervisor", "active"), Some(5), None, "K-2001"),
    (("Mei", "Garcia", "mei", "agent", "active"), Some(7), None, "E-1010"),
];

/// The fixture tenant: its admin (user `admin`, never signed in), the people above, the
/// helpdesk role on ada, grace and zoe, and a Night shift team of alan, mei and ada.
struct Fixture {
    admin: Actor,
    night_shift: Uuid,
    helpdesk: Uuid,
}

async fn fixture(pool: &PgPool, slug: &str) -> Fixture {
    let (tenant, admin) = tenant_with_admin(pool, slug).await;
    let mut conn = all_tenants(pool).await;
    for (i, ((first, last, username, user_type, status), login, expiry, code)) in
        PEOPLE.iter().enumerate()
    {
        let created = Utc::now() - Duration::minutes(100 - i as i64);
        sqlx::query(
            "insert into users (tenant_id, first_name, last_name, email, username, user_type,
                                status, last_login_at, expires_at, employee_code, created_at)
             values ($1, $2, $3, $4 || '@' || $5 || '.test', $4, $6, $7,
                     now() - make_interval(days => $8), now() + make_interval(days => $9), $10,
                     $11)",
        )
        .bind(tenant)
        .bind(first)
        .bind(last)
        .bind(username)
        .bind(slug)
        .bind(user_type)
        .bind(status)
        .bind(login.map(|d| d as i32))
        .bind(expiry.map(|d| d as i32))
        .bind(code)
        .bind(created)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let helpdesk = role_id(pool, tenant, "helpdesk").await;
    sqlx::query(
        "insert into user_roles (tenant_id, user_id, role_id)
         select tenant_id, id, $2 from users where tenant_id = $1 and username in ('ada', 'grace', 'zoe')",
    )
    .bind(tenant)
    .bind(helpdesk)
    .execute(&mut conn)
    .await
    .unwrap();
    let night_shift: Uuid = sqlx::query_scalar(
        "insert into teams (tenant_id, name) values ($1, 'Night shift') returning id",
    )
    .bind(tenant)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "insert into team_members (tenant_id, team_id, user_id)
         select tenant_id, $2, id from users where tenant_id = $1 and username in ('alan', 'mei', 'ada')",
    )
    .bind(tenant)
    .bind(night_shift)
    .execute(&mut conn)
    .await
    .unwrap();
    Fixture { admin, night_shift, helpdesk }
}

/// Query parameters as written in a URL.
type Pairs<'a> = &'a [(&'a str, &'a str)];

fn q(pairs: Pairs) -> UserQuery {
    shared::query::from_pairs(pairs)
}

fn usernames(page: &UserPage) -> Vec<&str> {
    page.items.iter().map(|u| u.username.as_str()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

async fn list(pool: &PgPool, actor: &Actor, query: &UserQuery) -> UserPage {
    run(pool, actor, async |ctx| directory::list(ctx, query).await).await.unwrap()
}

/// The usernames a query finds (one page is enough for the fixture).
async fn found(pool: &PgPool, actor: &Actor, query: UserQuery) -> BTreeSet<String> {
    let page = list(pool, actor, &query).await;
    assert!(page.next_cursor.is_none() && page.prev_cursor.is_none());
    assert_eq!(page.total, page.items.len() as i64, "total of {query:?}");
    page.items.into_iter().map(|u| u.username).collect()
}

roster_test! {
async fn each_filter_narrows_the_page_and_the_total(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    let a = &f.admin;
    let everyone: BTreeSet<String> =
        PEOPLE.iter().map(|p| p.0.2.to_owned()).chain(["admin".to_owned()]).collect();
    assert_eq!(found(&pool, a, q(&[])).await, everyone);
    let cases: [(Pairs, &[&str]); 10] = [
        (
            &[("status", "active")],
            &["ada", "alan", "soren", "jose", "lukasz", "kofi", "mei", "admin"],
        ),
        (&[("status", "suspended")], &["grace", "ayse"]),
        (&[("status", "expired")], &["zoe"]),
        (&[("status", "never_signed_in")], &["soren", "jose", "lukasz", "ayse", "admin"]),
        (&[("user_type", "supervisor")], &["alan", "kofi"]),
        (&[("user_type", "agent"), ("status", "suspended")], &["grace", "ayse"]),
        (&[("role", &f.helpdesk.to_string())], &["ada", "grace", "zoe"]),
        (&[("team", &f.night_shift.to_string())], &["alan", "mei", "ada"]),
        (&[("team", &f.night_shift.to_string()), ("role", &f.helpdesk.to_string())], &["ada"]),
        (&[("role", &Uuid::new_v4().to_string())], &[]),
    ];
    for (pairs, expected) in cases {
        assert_eq!(found(&pool, a, q(pairs)).await, set(expected), "{pairs:?}");
    }
}
}

roster_test! {
async fn search_matches_any_field_anywhere_and_short_terms_at_the_start(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    let cases: [(&str, &[&str]); 8] = [
        ("garc", &["zoe", "jose", "mei"]), // last names, with and without the accent
        ("GARCÍA", &["jose"]),             // case-insensitive, accent kept
        ("k-2001", &["kofi"]),             // employee code
        ("lukasz@acme", &["lukasz"]),      // email
        ("ierkeg", &["soren"]),            // the middle of a name
        ("ko", &["kofi"]),                 // short: the start of a name or username
        ("y", &["ayse"]),                  // short: Yılmaz, not every name with a y in it
        ("100%", &[]),                     // LIKE wildcards are literal
    ];
    for (term, expected) in cases {
        assert_eq!(found(&pool, &f.admin, q(&[("q", term)])).await, set(expected), "{term}");
    }
    let stats = run(&pool, &f.admin, async |ctx| directory::stats(ctx, &q(&[("q", "garc")])).await).await.unwrap();
    assert_eq!(
        stats,
        UserStats { total: 3, active: 2, suspended: 0, expired: 1, never_signed_in: 1 }
    );
    // The page statement counts the same cards, whatever status narrows the page (Suspended:
    // no match, so nothing to count them beside).
    for status in ["", "active", "expired", "never_signed_in", "suspended"] {
        let page = list(&pool, &f.admin, &q(&[("q", "garc"), ("status", status)])).await;
        assert_eq!(page.stats, stats, "{status}");
        let expected = StatusFilter::ALL.into_iter().find(|s| s.as_str() == status);
        assert_eq!(page.total, expected.map_or(stats.total, |s| stats.count(s)), "{status}");
    }
    // A page at a time: every page counts all the matches, and the pages hold each match once.
    for term in ["garc", "y"] {
        let query = UserQuery { limit: Some(1), ..q(&[("q", term), ("sort", "-name")]) };
        let pages = walk(&pool, &f.admin, &query, |_| String::new()).await;
        let all = found(&pool, &f.admin, q(&[("q", term)])).await;
        assert!(pages.iter().all(|p| p.total == all.len() as i64), "{term}");
        let walked: Vec<String> = names_of(&pages);
        assert_eq!(walked.len(), all.len());
        assert_eq!(walked.into_iter().collect::<BTreeSet<_>>(), all);
    }
    // What a search reads follows every change at once: a new name, a suspension.
    let mut conn = all_tenants(&pool).await;
    sqlx::query(
        "update users set last_name = 'Lamarr', status = 'suspended' where username = 'mei'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    assert_eq!(found(&pool, &f.admin, q(&[("q", "garc")])).await, set(&["zoe", "jose"]));
    let lamarrs = found(&pool, &f.admin, q(&[("q", "lamar"), ("status", "suspended")])).await;
    assert_eq!(lamarrs, set(&["mei"]));
}
}

roster_test! {
async fn every_sort_orders_the_rows_both_ways(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    // Last name then first name, ignoring case, in code point order: Garcia (Mei, Zoë) before
    // García; the admin's last name is "admin".
    let by_name =
        ["admin", "mei", "zoe", "jose", "grace", "soren", "ada", "kofi", "lukasz", "alan", "ayse"];
    let by_login = ["ada", "zoe", "alan", "kofi", "mei", "grace"]; // then the six who never signed in
    for (sort, expected) in [("name", &by_name[..]), ("-last_login", &by_login[..])] {
        let page = list(&pool, &f.admin, &q(&[("sort", sort)])).await;
        assert_eq!(&usernames(&page)[..expected.len()], expected, "{sort}");
    }
    for field in ["name", "email", "last_login", "created_at"] {
        let up = list(&pool, &f.admin, &q(&[("sort", field)])).await;
        let down = list(&pool, &f.admin, &q(&[("sort", &format!("-{field}"))])).await;
        let mut reversed = usernames(&down);
        reversed.reverse();
        assert_eq!(usernames(&up), reversed, "{field}");
    }
    let emails: Vec<String> = list(&pool, &f.admin, &q(&[("sort", "email")]))
        .await
        .items
        .iter()
        .map(|u| u.email.to_lowercase())
        .collect();
    assert!(emails.windows(2).all(|w| w[0] <= w[1]), "{emails:?}");
    let created: Vec<_> = list(&pool, &f.admin, &q(&[("sort", "-created_at")]))
        .await
        .items
        .iter()
        .map(|u| u.created_at)
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));
}
}

/// Every page of a query, following `next_cursor`; `between` runs before each next page loads.
async fn walk(
    pool: &PgPool,
    actor: &Actor,
    query: &UserQuery,
    mut between: impl FnMut(usize) -> String,
) -> Vec<UserPage> {
    let mut query = query.clone();
    let mut pages: Vec<UserPage> = Vec::new();
    loop {
        let page = list(pool, actor, &query).await;
        assert_eq!(page.prev_cursor.is_some(), !pages.is_empty());
        let next = page.next_cursor.clone();
        pages.push(page);
        let Some(cursor) = next else { return pages };
        let sql = between(pages.len());
        if !sql.is_empty() {
            sqlx::query(&sql)
                .bind(actor.tenant_id)
                .execute(&mut all_tenants(pool).await)
                .await
                .unwrap();
        }
        query.cursor = Some(cursor);
    }
}

fn names_of(pages: &[UserPage]) -> Vec<String> {
    pages.iter().flat_map(|p| p.items.iter().map(|u| u.username.clone())).collect()
}

roster_test! {
async fn cursors_walk_forward_and_back_and_stay_stable_under_inserts(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    let a = &f.admin;
    for sort in ["name", "-name", "-last_login", "last_login", "email", "-created_at"] {
        let everyone = names_of(&[list(&pool, a, &q(&[("sort", sort)])).await]);
        let query = UserQuery { limit: Some(3), ..q(&[("sort", sort)]) };
        // Someone creates users between two page loads: they may show or not, but nobody
        // already there is skipped or shown twice, and the order holds.
        let pages = walk(&pool, a, &query, |n| {
            format!(
                "insert into users (tenant_id, first_name, last_name, email, username, user_type)
                 values ($1, 'New', 'a{n}', 'new{n}@acme.test', 'new-{n}', 'agent'),
                        ($1, 'New', 'z{n}', 'znew{n}@acme.test', 'znew-{n}', 'agent')"
            )
        })
        .await;
        let walked = names_of(&pages);
        let old: Vec<&String> = walked.iter().filter(|u| !u.contains("new-")).collect();
        assert_eq!(old, everyone.iter().collect::<Vec<_>>(), "{sort}: forward under inserts");
        let unique: BTreeSet<&String> = walked.iter().collect();
        assert_eq!(unique.len(), walked.len(), "{sort}: a row shown twice");
        sqlx::query("delete from users where tenant_id = $1 and username like '%new-%'")
            .bind(a.tenant_id)
            .execute(&mut all_tenants(&pool).await)
            .await
            .unwrap();

        // Unchanged data: walking back from the last page gives the same pages in reverse.
        let pages = walk(&pool, a, &query, |_| String::new()).await;
        assert_eq!(names_of(&pages), everyone, "{sort}: forward");
        assert_eq!(pages.iter().map(|p| p.items.len()).collect::<Vec<_>>(), [3, 3, 3, 2]);
        let mut back = pages.last().unwrap().clone();
        for expected in pages.iter().rev().skip(1) {
            let cursor = back.prev_cursor.clone().expect("a previous page");
            back = list(&pool, a, &UserQuery { cursor: Some(cursor), ..query.clone() }).await;
            assert_eq!(usernames(&back), usernames(expected), "{sort}: backward");
            assert_eq!(back.total, 11);
            assert!(back.next_cursor.is_some());
        }
        assert!(back.prev_cursor.is_none(), "{sort}: the first page has nothing before it");
    }
}
}

roster_test! {
async fn a_cursor_of_another_sort_or_a_forged_one_is_a_field_error(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    let first = list(&pool, &f.admin, &UserQuery { limit: Some(2), ..q(&[]) }).await;
    let cursor = first.next_cursor.unwrap();
    for (sort, cursor) in [("email", cursor.as_str()), ("name", "eyJzb3J0IjoibmFtZSJ9")] {
        let query = UserQuery { cursor: Some(cursor.to_owned()), ..q(&[("sort", sort)]) };
        match run(&pool, &f.admin, async |ctx| directory::list(ctx, &query).await).await {
            Err(ServiceError::Validation(fields)) => assert!(fields.contains_key("cursor")),
            other => panic!("expected a cursor error, got {other:?}"),
        }
    }
    match run(&pool, &f.admin, async |ctx| directory::list(ctx, &q(&[("status", "gone"), ("sort", "pay")])).await).await {
        Err(ServiceError::Validation(fields)) => {
            assert_eq!(fields.keys().collect::<Vec<_>>(), ["sort", "status"]);
        }
        other => panic!("expected field errors, got {other:?}"),
    }
}
}

roster_test! {
async fn stat_cards_follow_the_filters_and_equal_a_real_count(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    // The stat cards, which every page of the directory carries too.
    let stats = |pairs: &[(&str, &str)]| {
        let (pool, admin, query) = (pool.clone(), f.admin.clone(), q(pairs));
        async move {
            let stats = run(&pool, &admin, async |ctx| directory::stats(ctx, &query).await).await?;
            assert_eq!(run(&pool, &admin, async |ctx| directory::list(ctx, &query).await).await?.stats, stats, "{query:?}");
            Ok::<_, ServiceError>(stats)
        }
    };
    let all = stats(&[]).await.unwrap();
    assert_eq!(
        all,
        UserStats { total: 11, active: 8, suspended: 2, expired: 1, never_signed_in: 5 }
    );
    // The status filter does not narrow its own cards.
    assert_eq!(stats(&[("status", "suspended")]).await.unwrap(), all);
    let agents = stats(&[("user_type", "agent")]).await.unwrap();
    assert_eq!(
        agents,
        UserStats { total: 5, active: 2, suspended: 2, expired: 1, never_signed_in: 1 }
    );
    let helpdesk = stats(&[("role", &f.helpdesk.to_string())]).await.unwrap();
    assert_eq!(
        helpdesk,
        UserStats { total: 3, active: 1, suspended: 1, expired: 1, never_signed_in: 0 }
    );
    let night =
        stats(&[("team", &f.night_shift.to_string()), ("user_type", "agent")]).await.unwrap();
    assert_eq!(
        night,
        UserStats { total: 2, active: 2, suspended: 0, expired: 0, never_signed_in: 0 }
    );

    // The counters follow every kind of change: status, sign-in, expiry, roles, teams, deletions.
    let mut conn = all_tenants(&pool).await;
    for change in [
        "update users set status = 'suspended' where username in ('ada', 'alan')",
        "update users set last_login_at = now() where username = 'soren'",
        "update users set expires_at = now() - interval '1 hour' where username = 'mei'",
        "delete from user_roles where user_id = (select id from users where username = 'grace')",
        "insert into user_roles (tenant_id, user_id, role_id)
         select u.tenant_id, u.id, r.id from users u join roles r on r.tenant_id = u.tenant_id
          where u.username in ('kofi', 'mei') and r.system_key = 'helpdesk'",
        "delete from team_members where user_id = (select id from users where username = 'alan')",
        "delete from users where username = 'lukasz'",
        "delete from teams where name = 'Night shift'",
    ] {
        sqlx::query(change).execute(&mut conn).await.unwrap();
        assert_counters_exact(&pool, f.admin.tenant_id).await;
    }
    let helpdesk = stats(&[("role", &f.helpdesk.to_string())]).await.unwrap();
    assert_eq!(
        helpdesk,
        UserStats { total: 4, active: 1, suspended: 1, expired: 2, never_signed_in: 0 }
    );
    sqlx::query("delete from roles where id = $1")
        .bind(f.helpdesk)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_counters_exact(&pool, f.admin.tenant_id).await;
}
}

/// Every counter cell equals a count of the rows it stands for.
async fn assert_counters_exact(pool: &PgPool, tenant: Uuid) {
    let mut conn = all_tenants(pool).await;
    for (counters, counted) in [
        (
            "select user_type, status, signed_in, expires::text, users from user_counts where tenant_id = $1 and users <> 0",
            "select user_type, status, last_login_at is not null, coalesce(expires_at, 'infinity')::text, count(*)
               from users where tenant_id = $1 group by 1, 2, 3, 4",
        ),
        (
            "select role_id::text || user_type, status, signed_in, expires::text, users from role_user_counts where tenant_id = $1 and users <> 0",
            "select ur.role_id::text || u.user_type, u.status, u.last_login_at is not null,
                    coalesce(u.expires_at, 'infinity')::text, count(*)
               from users u join user_roles ur on ur.tenant_id = u.tenant_id and ur.user_id = u.id
              where u.tenant_id = $1 group by 1, 2, 3, 4",
        ),
        (
            "select team_id::text || user_type, status, signed_in, expires::text, users from team_user_counts where tenant_id = $1 and users <> 0",
            "select tm.team_id::text || u.user_type, u.status, u.last_login_at is not null,
                    coalesce(u.expires_at, 'infinity')::text, count(*)
               from users u join team_members tm on tm.tenant_id = u.tenant_id and tm.user_id = u.id
              where u.tenant_id = $1 group by 1, 2, 3, 4",
        ),
    ] {
        let read = |sql: &'static str| {
            sqlx::query_as::<_, (String, String, bool, String, i64)>(sql).bind(tenant)
        };
        let mut kept: Vec<_> = read(counters).fetch_all(&mut conn).await.unwrap();
        let mut real: Vec<_> = read(counted).fetch_all(&mut conn).await.unwrap();
        kept.sort();
        real.sort();
        assert_eq!(kept, real, "{counters}");
    }
}

roster_test! {
async fn nobody_sees_another_tenants_users(pool: PgPool) {
    let acme = fixture(&pool, "acme").await;
    let globex = fixture(&pool, "globex").await;
    let page = list(&pool, &acme.admin, &UserQuery { limit: Some(200), ..q(&[]) }).await;
    assert_eq!(page.total, 11);
    assert!(page.items.iter().all(|u| !u.email.contains("globex")));
    // Another tenant's role or team filters to nothing rather than leaking its members.
    for (key, id) in [("role", globex.helpdesk), ("team", globex.night_shift)] {
        let query = q(&[(key, id.to_string().as_str())]);
        assert!(list(&pool, &acme.admin, &query).await.items.is_empty());
        let stats = run(&pool, &acme.admin, async |ctx| directory::stats(ctx, &query).await).await.unwrap();
        assert_eq!(stats, UserStats::default());
    }
    let found = list(&pool, &acme.admin, &q(&[("q", "globex")])).await;
    assert!(found.items.is_empty());
}
}

roster_test! {
async fn reading_the_directory_needs_users_read(pool: PgPool) {
    let f = fixture(&pool, "acme").await;
    let nobody = member(&pool, f.admin.tenant_id, "nobody", "agent", "no-such-role").await;
    let query = q(&[]);
    assert!(matches!(run(&pool, &nobody, async |ctx| directory::list(ctx, &query).await).await, Err(ServiceError::Forbidden)));
    assert!(matches!(run(&pool, &nobody, async |ctx| directory::stats(ctx, &query).await).await, Err(ServiceError::Forbidden)));
    let reader = member(&pool, f.admin.tenant_id, "reader", "viewer", "read_only").await;
    assert_eq!(list(&pool, &reader, &query).await.total, 13);
}
}
