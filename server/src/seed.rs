//! `roster seed --tenant SLUG --users N`: loads N realistic users into a tenant for demos and
//! benchmarks, fast. Rows are generated here, streamed with COPY into a temporary table (COPY
//! cannot write through row-level security), then moved into `users`, `user_search`,
//! `user_roles` and `team_members` by one statement each inside one transaction entered into the
//! tenant, with the counter triggers switched off and the tenant recounted once before commit.
//! Every seeded user shares one password hash.
//!
//! Large loads follow PostgreSQL's advice for populating a database: the secondary indexes and
//! foreign keys of those four tables are dropped inside the transaction and rebuilt before it
//! commits (one sort per index and one join per key, instead of millions of index insertions and
//! key lookups). The tables are locked meanwhile, so `seed` is for demo and benchmark databases.

use app::backend::audit::{self, AuditActor, AuditEvent};
use app::backend::password::{self, Passwords};
use app::backend::{roles, tenancy};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared::TenantSlug;
use shared::audit::Action;
use sqlx::PgPool;
use std::fmt::Write as _;
use std::time::Instant;
use uuid::Uuid;

/// Rows per COPY message.
const CHUNK: u64 = 10_000;

/// From this many users on, indexes and foreign keys are rebuilt after the load.
const REBUILD_FROM: u64 = 50_000;

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The tables a seed fills.
const FILLED: [&str; 4] = ["users", "user_search", "user_roles", "team_members"];

/// Given names and family names from several languages, with the ASCII spelling used in
/// usernames and email addresses.
const FIRST: &[(&str, &str)] = &[
    ("Ada", "ada"),
    ("Alan", "alan"),
    ("Grace", "grace"),
    ("Linus", "linus"),
    ("Margaret", "margaret"),
    ("José", "jose"),
    ("María", "maria"),
    ("Lucía", "lucia"),
    ("Søren", "soren"),
    ("Åsa", "asa"),
    ("Jürgen", "jurgen"),
    ("Zoë", "zoe"),
    ("François", "francois"),
    ("Chloé", "chloe"),
    ("Łukasz", "lukasz"),
    ("Małgorzata", "malgorzata"),
    ("Ömer", "omer"),
    ("Ayşe", "ayse"),
    ("Hiroshi", "hiroshi"),
    ("Yuki", "yuki"),
    ("Wei", "wei"),
    ("Mei", "mei"),
    ("Aarav", "aarav"),
    ("Priya", "priya"),
    ("Olumide", "olumide"),
    ("Amara", "amara"),
    ("Fatima", "fatima"),
    ("Omar", "omar"),
    ("Dmitri", "dmitri"),
    ("Olga", "olga"),
    ("Giulia", "giulia"),
    ("Matteo", "matteo"),
    ("Nguyễn", "nguyen"),
    ("Thảo", "thao"),
    ("Seo-yeon", "seoyeon"),
    ("Minjun", "minjun"),
    ("Eoin", "eoin"),
    ("Siobhán", "siobhan"),
    ("Kwame", "kwame"),
    ("Ingrid", "ingrid"),
];
const LAST: &[(&str, &str)] = &[
    ("Lovelace", "lovelace"),
    ("Turing", "turing"),
    ("Hopper", "hopper"),
    ("Torvalds", "torvalds"),
    ("Hamilton", "hamilton"),
    ("García", "garcia"),
    ("Fernández", "fernandez"),
    ("Kierkegaard", "kierkegaard"),
    ("Müller", "muller"),
    ("Schäfer", "schafer"),
    ("Dubois", "dubois"),
    ("Lefèvre", "lefevre"),
    ("Kowalski", "kowalski"),
    ("Wiśniewska", "wisniewska"),
    ("Yılmaz", "yilmaz"),
    ("Öztürk", "ozturk"),
    ("Tanaka", "tanaka"),
    ("Suzuki", "suzuki"),
    ("Wang", "wang"),
    ("Li", "li"),
    ("Sharma", "sharma"),
    ("Patel", "patel"),
    ("Adeyemi", "adeyemi"),
    ("Okafor", "okafor"),
    ("Haddad", "haddad"),
    ("Al-Sayed", "alsayed"),
    ("Ivanova", "ivanova"),
    ("Petrov", "petrov"),
    ("Rossi", "rossi"),
    ("Bianchi", "bianchi"),
    ("Trần", "tran"),
    ("Kim", "kim"),
    ("Park", "park"),
    ("O'Brien", "obrien"),
    ("Ní Bhriain", "nibhriain"),
    ("Mensah", "mensah"),
    ("Lindqvist", "lindqvist"),
    ("Nakamura", "nakamura"),
];
const DEPARTMENTS: &[&str] =
    &["Support", "Sales", "Engineering", "Billing", "Operations", "People"];
const LOCATIONS: &[(&str, &str)] = &[
    ("London", "Europe/London"),
    ("Madrid", "Europe/Madrid"),
    ("Berlin", "Europe/Berlin"),
    ("Istanbul", "Europe/Istanbul"),
    ("Lagos", "Africa/Lagos"),
    ("Mumbai", "Asia/Kolkata"),
    ("Tokyo", "Asia/Tokyo"),
    ("Seoul", "Asia/Seoul"),
    ("New York", "America/New_York"),
    ("São Paulo", "America/Sao_Paulo"),
];
const POSITIONS: &[&str] =
    &["Agent", "Senior agent", "Team lead", "Analyst", "Specialist", "Manager"];
const TAGS: &[&str] =
    &["vip-desk", "night-shift", "remote", "trainee", "escalations", "french", "spanish"];
/// The seeded teams: each user joins the team of their department, and some the night shift.
const TEAMS: &[&str] =
    &["Support", "Sales", "Engineering", "Billing", "Operations", "People", "Night shift"];

/// (type, share in thousandths, system role it holds): roles within each type's ceiling.
const TYPES: &[(&str, u32, Option<&str>)] = &[
    ("agent", 700, Some("helpdesk")),
    ("supervisor", 80, Some("user_manager")),
    ("analyst", 70, Some("auditor")),
    ("viewer", 90, Some("read_only")),
    ("service", 40, None),
    ("tenant_admin", 20, Some("administrator")),
];

/// What a seeding run did, for the command to print.
pub struct Seeded {
    pub tenant: String,
    pub users: u64,
    pub admin_username: Option<String>,
    pub password: shared::Password,
    pub seconds: f64,
}

/// Loads `count` users into the tenant `slug`, creating the tenant (with its system roles and
/// the seeded teams) when it does not exist yet.
pub async fn seed(pool: &PgPool, slug: &str, count: u64) -> Result<Seeded, Failure> {
    seed_with(pool, slug, count, count >= REBUILD_FROM).await
}

/// [`seed`], choosing whether the indexes and foreign keys are rebuilt after the load.
pub async fn seed_with(
    pool: &PgPool,
    slug: &str,
    count: u64,
    rebuild: bool,
) -> Result<Seeded, Failure> {
    let started = Instant::now();
    let slug = TenantSlug::try_from(slug.to_owned()).map_err(|e| format!("--tenant: {e}"))?;
    let password = password::generate_temporary();
    let hash = Passwords::default().hash(&password).await.map_err(|e| e.to_string())?;
    let tenant_id = ensure_tenant(pool, slug.as_str()).await?;

    let mut conn = pool.acquire().await?;
    // Ids ascend with n under a random prefix for the run (hex digits and dashes only), so the
    // primary keys grow at their right edge instead of taking a million inserts at random pages.
    let prefix = &Uuid::new_v4().to_string()[..24];
    sqlx::raw_sql(&format!(
        "create temporary table seed_users (
             n bigint,
             id uuid generated always as (('{prefix}' || lpad(to_hex(n), 12, '0'))::uuid) stored,
             first_name text, last_name text,
             email text, username text, phone text, employee_code text, timezone text,
             position text, department text, location text, branch text, tags text[],
             user_type text, status text, expires_at timestamptz, last_login_at timestamptz,
             created_at timestamptz, role_key text, teams text[]) on commit preserve rows",
    ))
    .execute(&mut *conn)
    .await?;
    let offset: i64 = sqlx::query_scalar("select count(*) from users where tenant_id = $1")
        .bind(tenant_id)
        .fetch_one(&mut *conn)
        .await?;
    let mut copy = conn
        .copy_in_raw(
            "copy seed_users (n, first_name, last_name, email, username, phone, employee_code,
                              timezone, position, department, location, branch, tags, user_type,
                              status, expires_at, last_login_at, created_at, role_key, teams)
             from stdin",
        )
        .await?;
    let mut rng = StdRng::seed_from_u64(offset as u64);
    let now = chrono::Utc::now();
    let mut buffer = String::new();
    for i in 0..count {
        write_row(&mut buffer, &mut rng, offset as u64 + i + 1, slug.as_str(), now)?;
        if (i + 1).is_multiple_of(CHUNK) {
            copy.send(buffer.as_bytes()).await?;
            buffer.clear();
        }
    }
    copy.send(buffer.as_bytes()).await?;
    copy.finish().await?;

    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    tenancy::enter(&mut tx, tenant_id).await?;
    // The counter triggers stand aside; the tenant is recounted once, before commit.
    sqlx::query("select set_config('roster.bulk_load', 'on', true)").execute(&mut *tx).await?;
    // The joins below hash a million rows: in memory rather than in batches written to disk.
    sqlx::query("set local work_mem = '256MB'").execute(&mut *tx).await?;
    let rebuilt = if rebuild { set_aside(&mut tx).await? } else { Vec::new() };
    sqlx::query(
        "insert into users (tenant_id, id, first_name, last_name, email, username, phone,
                            employee_code, timezone, position, department, location, branch, tags,
                            user_type, status, console_access, expires_at, password_hash,
                            password_changed_at, last_login_at, created_at, updated_at)
         select $1, id, first_name, last_name, email, username, phone, employee_code, timezone,
                position, department, location, branch, tags, user_type, status,
                user_type <> 'service', expires_at, case when user_type <> 'service' then $2 end,
                created_at, last_login_at, created_at, created_at
           from seed_users order by n",
    )
    .bind(tenant_id)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into user_search
         select r.* from seed_users s join users u on u.tenant_id = $1 and u.id = s.id,
                lateral user_search_row(u) r",
    )
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into user_roles (tenant_id, user_id, role_id)
         select $1, s.id, r.id from seed_users s join roles r on r.tenant_id = $1 and r.system_key = s.role_key",
    )
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into team_members (tenant_id, team_id, user_id, source)
         select $1, t.id, s.id, 'manual'
           from seed_users s cross join unnest(s.teams) as m(name)
           join teams t on t.tenant_id = $1 and t.name = m.name",
    )
    .bind(tenant_id)
    .execute(&mut *tx)
    .await?;
    let admin_username: Option<String> = sqlx::query_scalar(
        "select username from seed_users where user_type = 'tenant_admin' and status = 'active'
            and expires_at is null order by n limit 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    // Statistics first: the keys' checks and the recount below plan joins over the new rows.
    sqlx::query("analyze users, user_search, user_roles, team_members").execute(&mut *tx).await?;
    // A rebuilt key checks every tenant's rows: seen through this tenant alone, another
    // tenant's memberships would point at users that are not there.
    if !rebuilt.is_empty() {
        sqlx::query("select set_config('roster.all_tenants', 'on', true)")
            .execute(&mut *tx)
            .await?;
        for statement in &rebuilt {
            sqlx::raw_sql(statement).execute(&mut *tx).await?;
        }
        sqlx::query("select set_config('roster.all_tenants', 'off', true)")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("select recount_users($1)").bind(tenant_id).execute(&mut *tx).await?;
    record_seeded(&mut tx, tenant_id, serde_json::json!({ "users": count })).await?;
    tx.commit().await?;
    sqlx::query("drop table seed_users").execute(&mut *conn).await?;
    Ok(Seeded {
        tenant: slug.as_str().to_owned(),
        users: count,
        admin_username,
        password,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Drops the secondary indexes and the foreign keys of the filled tables; returns the
/// statements that rebuild them, indexes first (the keys' checks use them).
async fn set_aside(conn: &mut sqlx::PgConnection) -> Result<Vec<String>, sqlx::Error> {
    let deferred: Vec<(String, String)> = sqlx::query_as(
        "select format('drop index %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
           from pg_index i
          where i.indrelid = any($1::regclass[])
            and not exists (select from pg_constraint k where k.conindid = i.indexrelid)
         union all
         select format('alter table %s drop constraint %I', k.conrelid::regclass, k.conname),
                format('alter table %s add constraint %I %s', k.conrelid::regclass, k.conname,
                       pg_get_constraintdef(k.oid))
           from pg_constraint k
          where k.contype = 'f' and k.conrelid = any($1::regclass[])",
    )
    .bind(FILLED)
    .fetch_all(&mut *conn)
    .await?;
    // Keys first: dropping an index a key does not use needs nothing else gone.
    for (drop, _) in deferred.iter().rev() {
        sqlx::raw_sql(drop).execute(&mut *conn).await?;
    }
    sqlx::query("set local maintenance_work_mem = '512MB'").execute(&mut *conn).await?;
    Ok(deferred.into_iter().map(|(_, rebuild)| rebuild).collect())
}

/// The tenant's id; a missing tenant is created with its system roles and the seeded teams.
async fn ensure_tenant(pool: &PgPool, slug: &str) -> Result<Uuid, sqlx::Error> {
    let mut tx = tenancy::begin_all_tenants(pool).await?;
    let existing: Option<Uuid> = sqlx::query_scalar("select id from tenants where slug = $1")
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await?;
    let tenant_id = match existing {
        Some(id) => id,
        None => {
            let name = format!("{} (seeded)", slug);
            let id: Uuid =
                sqlx::query_scalar("insert into tenants (slug, name) values ($1, $2) returning id")
                    .bind(slug)
                    .bind(name)
                    .fetch_one(&mut *tx)
                    .await?;
            tenancy::enter(&mut tx, id).await?;
            roles::seed(&mut tx, id).await?;
            id
        }
    };
    tenancy::enter(&mut tx, tenant_id).await?;
    for team in TEAMS {
        sqlx::query(
            "insert into teams (tenant_id, name, description) values ($1, $2, 'Seeded team')
             on conflict do nothing",
        )
        .bind(tenant_id)
        .bind(team)
        .execute(&mut *tx)
        .await?;
    }
    let details = serde_json::json!({ "teams": TEAMS.len(), "created": existing.is_none() });
    record_seeded(&mut tx, tenant_id, details).await?;
    tx.commit().await?;
    Ok(tenant_id)
}

/// The audit event of a seeding transaction: what it loaded, by the system.
async fn record_seeded(
    conn: &mut sqlx::PgConnection,
    tenant_id: Uuid,
    details: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let event = AuditEvent {
        details,
        ..AuditEvent::new(tenant_id, AuditActor::System, Action::TenantSeeded)
    };
    audit::record(conn, &event).await
}

/// One tab-separated COPY row for user number `n`.
fn write_row(
    out: &mut String,
    rng: &mut StdRng,
    n: u64,
    slug: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> std::fmt::Result {
    let (first, first_ascii) = FIRST[rng.gen_range(0..FIRST.len())];
    let (last, last_ascii) = LAST[rng.gen_range(0..LAST.len())];
    let mut pick = rng.gen_range(0..1000);
    // The tenant's first seeded user is an administrator, so there is always one to sign in as.
    let first_user = n == 1;
    let (user_type, role) = TYPES
        .iter()
        .find(|(_, share, _)| {
            let hit = pick < *share;
            pick = pick.saturating_sub(*share);
            hit
        })
        .filter(|_| !first_user)
        .map_or(("tenant_admin", Some("administrator")), |(t, _, r)| (*t, *r));
    let department = DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())];
    let (location, timezone) = LOCATIONS[rng.gen_range(0..LOCATIONS.len())];
    let position = POSITIONS[rng.gen_range(0..POSITIONS.len())];
    let status = if rng.gen_bool(0.06) && !first_user { "suspended" } else { "active" };
    let days =
        |rng: &mut StdRng, max: i64| chrono::Duration::seconds(rng.gen_range(0..max * 86_400));
    let created = now - days(rng, 3 * 365);
    // One in six has never signed in; the rest within the last half year (not before creation).
    // Service accounts have no console access, so they never have.
    let signed_in = user_type != "service" && !rng.gen_bool(1.0 / 6.0);
    let last_login = signed_in.then(|| (now - days(rng, 180)).max(created));
    // A few carry an expiry date (00:00 UTC, as the console sets them), about half already past.
    let expires = (rng.gen_bool(0.03) && !first_user).then(|| {
        let at = now + days(rng, 120) - chrono::Duration::days(60);
        at.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
    });
    let tag = rng.gen_bool(0.3).then(|| TAGS[rng.gen_range(0..TAGS.len())]);
    let night = rng.gen_bool(0.1);
    let null = |v: Option<String>| v.unwrap_or_else(|| "\\N".into());
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| null(t.map(|t| t.to_rfc3339()));
    writeln!(
        out,
        "{n}\t{first}\t{last}\t{first_ascii}.{last_ascii}.{n}@{slug}.example\t{first_ascii}.{last_ascii}.{n}\t\
         +44{phone:010}\tE{n:07}\t{timezone}\t{position}\t{department}\t{location}\t{location} {branch}\t\
         {{{tags}}}\t{user_type}\t{status}\t{expires}\t{login}\t{created}\t{role}\t{{{teams}}}",
        phone = 7_000_000_000u64 + n,
        branch = if n.is_multiple_of(2) { "North" } else { "South" },
        tags = tag.unwrap_or(""),
        expires = time(expires),
        login = time(last_login),
        created = created.to_rfc3339(),
        role = null(role.map(str::to_owned)),
        teams = if night { format!("{department},\"Night shift\"") } else { department.to_owned() },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_have_every_column_and_valid_identifiers() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut out = String::new();
        for n in 1..=500 {
            write_row(&mut out, &mut rng, n, "acme", chrono::Utc::now()).unwrap();
        }
        for line in out.lines() {
            let columns: Vec<&str> = line.split('\t').collect();
            assert_eq!(columns.len(), 20, "{line}");
            assert!(shared::Email::try_from(columns[3].to_owned()).is_ok(), "{line}");
            assert!(shared::Username::try_from(columns[4].to_owned()).is_ok(), "{line}");
        }
    }
}
