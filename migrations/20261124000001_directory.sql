-- The users directory at a million users: search, sorts, keyset paging and exact stat cards.
--
-- * Sorts are keyed by stored columns the indexes below hold, each ending with the id so the
--   order is total and keyset paging (never OFFSET) can resume from any row. Name and email
--   sort in code-point order (collation "C"): the same in every database locale, and the same
--   index then serves prefix search (a range from the term to the term followed by U+10FFFF).
-- * Why stored key columns and not expression indexes: under row-level security PostgreSQL
--   only uses a condition as an index condition when every function in it is leakproof, and
--   lower(), coalesce() and LIKE are not, so `lower(last_name) > $1` would filter a million
--   rows one by one. Comparisons of plain text, timestamp and uuid columns are leakproof.
-- * Searches read user_search (below), a copy of what the directory filters and sorts on:
--   terms of three characters or more through a trigram index on one lower-cased text of every
--   searchable field, shorter ones as the start of a name, username or email. A common term
--   matches tens of thousands of users, which must all be sorted and counted; in this narrow
--   table that is one bitmap scan, without a probe into users per match.
-- * The stat cards read counters kept by statement-level triggers in the same transaction as
--   the change, so they stay exact without counting a million rows per request.

create extension if not exists pg_trgm;

-- ---------------------------------------------------------------------------------------------
-- Search and sort keys
-- ---------------------------------------------------------------------------------------------
alter table users
    add column search_text text generated always as (
        lower(first_name || ' ' || last_name || ' ' || email || ' ' || username || ' '
              || coalesce(employee_code, '') || ' ' || coalesce(external_id, ''))
    ) stored,
    add column last_name_key text collate "C" generated always as (lower(last_name)) stored,
    add column first_name_key text collate "C" generated always as (lower(first_name)) stored,
    add column email_key text collate "C" generated always as (lower(email)) stored,
    add column username_key text collate "C" generated always as (lower(username)) stored,
    -- Never signed in sorts as the oldest sign-in.
    add column last_login_key timestamptz
        generated always as (coalesce(last_login_at, '-infinity'::timestamptz)) stored;

create index users_name_sort_idx on users (tenant_id, last_name_key, first_name_key, id);
-- The default order under a type filter (a rare type with a status read 15-22 ms of the index
-- above, skipping the other types).
create index users_type_name_sort_idx on users
    (tenant_id, user_type, last_name_key, first_name_key, id);
create index users_email_sort_idx on users (tenant_id, email_key, id);
create index users_last_login_sort_idx on users (tenant_id, last_login_key, id);
create index users_created_sort_idx on users (tenant_id, created_at, id);

-- What searches read: one row per user with the search text and the columns the directory
-- filters and sorts on, named as in users, so one query builder serves both. A table without
-- row-level security, because LIKE is not leakproof (see above): under a policy the trigram
-- index could never be used. Every statement that reads it names the tenant, and it holds only
-- what the directory shows; triggers on users keep it in step in the same transaction.
create table user_search (
    tenant_id      uuid        not null,
    id             uuid        not null,
    search_text    text        not null,
    last_name_key  text collate "C" not null,
    first_name_key text collate "C" not null,
    email_key      text collate "C" not null,
    username_key   text collate "C" not null,
    last_login_key timestamptz not null,
    last_login_at  timestamptz,
    created_at     timestamptz not null,
    status         text        not null,
    user_type      text        not null,
    expires_at     timestamptz,
    constraint user_search_pkey primary key (tenant_id, id),
    constraint user_search_user_fkey foreign key (tenant_id, id)
        references users (tenant_id, id) on delete cascade
);
create index user_search_trgm_idx on user_search using gin (search_text gin_trgm_ops);
-- Short terms: the start of a last name, first name, username or email.
create index user_search_last_name_idx on user_search (tenant_id, last_name_key);
create index user_search_first_name_idx on user_search (tenant_id, first_name_key);
create index user_search_username_idx on user_search (tenant_id, username_key);
create index user_search_email_idx on user_search (tenant_id, email_key);

-- The Expired card and filter: few accounts carry an expiry date.
create index users_expiry_idx on users (tenant_id, expires_at, user_type)
    where status = 'active' and expires_at is not null;

-- ---------------------------------------------------------------------------------------------
-- Counters behind the stat cards
-- ---------------------------------------------------------------------------------------------
-- Users per (type, status, signed in ever, expiry), per tenant; per role and per team as well,
-- so the cards stay exact and cheap under a role or team filter. Expiry depends on the clock, so
-- it is kept as the instant itself ('infinity' for none): the Expired card sums the active cells
-- whose instant has passed. Expiry dates set in the console fall on 00:00 UTC, so a tenant
-- has about one cell per expiry day in use, not one per user.
create table user_counts (
    tenant_id uuid    not null references tenants (id),
    user_type text    not null,
    status    text    not null,
    signed_in boolean not null,
    expires   timestamptz not null,
    users     bigint  not null,
    constraint user_counts_pkey primary key (tenant_id, user_type, status, signed_in, expires)
);

create table role_user_counts (
    tenant_id uuid    not null,
    role_id   uuid    not null,
    user_type text    not null,
    status    text    not null,
    signed_in boolean not null,
    expires   timestamptz not null,
    users     bigint  not null,
    constraint role_user_counts_pkey primary key (tenant_id, role_id, user_type, status, signed_in, expires),
    constraint role_user_counts_role_fkey foreign key (tenant_id, role_id)
        references roles (tenant_id, id) on delete cascade
);

create table team_user_counts (
    tenant_id uuid    not null,
    team_id   uuid    not null,
    user_type text    not null,
    status    text    not null,
    signed_in boolean not null,
    expires   timestamptz not null,
    users     bigint  not null,
    constraint team_user_counts_pkey primary key (tenant_id, team_id, user_type, status, signed_in, expires),
    constraint team_user_counts_team_fkey foreign key (tenant_id, team_id)
        references teams (tenant_id, id) on delete cascade
);

-- One tenant rule for every policy, read once per statement rather than once per row: wrapped
-- in scalar subqueries, roster_current_tenant() and roster_all_tenants() become one-time
-- InitPlans, which halves the time of a statement that reads a few thousand rows (the
-- counters). The policies made before this migration are rewritten to it, then the counters
-- get it.
do $$
declare
    rule constant text :=
        '(tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))';
    p record;
    t text;
begin
    for p in select polname, polrelid::regclass as rel from pg_policy
              where polname like '%\_tenant\_isolation'
    loop
        execute format('alter policy %I on %s using %s with check %s', p.polname, p.rel, rule, rule);
    end loop;
    foreach t in array array['user_counts', 'role_user_counts', 'team_user_counts']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format('create policy %I on %I using %s with check %s',
                       t || '_tenant_isolation', t, rule, rule);
    end loop;
end;
$$;

-- Set (per transaction) by bulk loads, which recount the tenant with recount_users at the end.
create function roster_bulk_load() returns boolean
language sql stable as $$
    select coalesce(current_setting('roster.bulk_load', true), '') = 'on'
$$;

-- New users into their cell, deleted ones out of it. A new user holds no roles or teams yet:
-- those come with their own rows below, as do the assignments a deleted user loses.
create function users_counts_after_insert_or_delete() returns trigger
language plpgsql as $$
begin
    -- Bulk loads (roster seed) switch the counters off and recount the tenant once at the end.
    if roster_bulk_load() then
        return null;
    end if;
    insert into user_counts as c (tenant_id, user_type, status, signed_in, expires, users)
    select tenant_id, user_type, status, last_login_at is not null,
           coalesce(expires_at, 'infinity'),
           case when tg_op = 'INSERT' then 1 else -1 end * count(*) from changed_rows
     group by 1, 2, 3, 4, 5
    on conflict on constraint user_counts_pkey do update set users = c.users + excluded.users;
    return null;
end;
$$;

create function users_counts_after_update() returns trigger
language plpgsql as $$
begin
    -- Bulk loads (roster seed) switch the counters off and recount the tenant once at the end.
    if roster_bulk_load() then
        return null;
    end if;
    -- Only users whose counted attributes changed move (most updates, sign-ins included, do not):
    -- out of their old cell and into the new one, in every counter that holds them.
    with moves as (
        select o.tenant_id, o.id, o.user_type, o.status, o.last_login_at is not null as signed_in,
               coalesce(o.expires_at, 'infinity') as expires, -1 as sign
          from old_rows o join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         where (o.user_type, o.status, o.last_login_at is null, o.expires_at)
               is distinct from (n.user_type, n.status, n.last_login_at is null, n.expires_at)
        union all
        select n.tenant_id, n.id, n.user_type, n.status, n.last_login_at is not null,
               coalesce(n.expires_at, 'infinity'), 1
          from old_rows o join new_rows n on n.tenant_id = o.tenant_id and n.id = o.id
         where (o.user_type, o.status, o.last_login_at is null, o.expires_at)
               is distinct from (n.user_type, n.status, n.last_login_at is null, n.expires_at)
    ), totals as (
        insert into user_counts as c (tenant_id, user_type, status, signed_in, expires, users)
        select tenant_id, user_type, status, signed_in, expires, sum(sign) from moves
         group by 1, 2, 3, 4, 5
        on conflict on constraint user_counts_pkey do update set users = c.users + excluded.users
    ), by_role as (
        insert into role_user_counts as c (tenant_id, role_id, user_type, status, signed_in, expires, users)
        select m.tenant_id, ur.role_id, m.user_type, m.status, m.signed_in, m.expires, sum(m.sign)
          from moves m join user_roles ur on ur.tenant_id = m.tenant_id and ur.user_id = m.id
         group by 1, 2, 3, 4, 5, 6
        on conflict on constraint role_user_counts_pkey do update set users = c.users + excluded.users
    )
    insert into team_user_counts as c (tenant_id, team_id, user_type, status, signed_in, expires, users)
    select m.tenant_id, tm.team_id, m.user_type, m.status, m.signed_in, m.expires, sum(m.sign)
      from moves m join team_members tm on tm.tenant_id = m.tenant_id and tm.user_id = m.id
     group by 1, 2, 3, 4, 5, 6
    on conflict on constraint team_user_counts_pkey do update set users = c.users + excluded.users;
    return null;
end;
$$;

create trigger users_counts_insert after insert on users
    referencing new table as changed_rows for each statement
    execute function users_counts_after_insert_or_delete();
create trigger users_counts_update after update on users
    referencing old table as old_rows new table as new_rows
    for each statement execute function users_counts_after_update();
create trigger users_counts_delete after delete on users
    referencing old table as changed_rows for each statement
    execute function users_counts_after_insert_or_delete();

-- A user's row of user_search.
create function user_search_row(u users) returns user_search
language sql immutable as $$
    select u.tenant_id, u.id, u.search_text, u.last_name_key, u.first_name_key, u.email_key,
           u.username_key, u.last_login_key, u.last_login_at, u.created_at, u.status, u.user_type,
           u.expires_at
$$;

-- user_search follows users, a statement at a time. Bulk loads (roster seed) fill it themselves.
create function user_search_sync() returns trigger
language plpgsql as $$
begin
    if roster_bulk_load() then
        return null;
    end if;
    insert into user_search as s
    select r.* from new_rows n, lateral user_search_row(n) r
    on conflict on constraint user_search_pkey do update
       set search_text = excluded.search_text, last_name_key = excluded.last_name_key,
           first_name_key = excluded.first_name_key, email_key = excluded.email_key,
           username_key = excluded.username_key, last_login_key = excluded.last_login_key,
           last_login_at = excluded.last_login_at, status = excluded.status,
           user_type = excluded.user_type, expires_at = excluded.expires_at
     where row(s.*) is distinct from row(excluded.*);
    return null;
end;
$$;

create trigger user_search_insert after insert on users
    referencing new table as new_rows for each statement execute function user_search_sync();
create trigger user_search_update after update on users
    referencing new table as new_rows for each statement execute function user_search_sync();

-- Role and team assignments move their user's count in or out of the role's or team's counter.
-- Arguments: the counter table, the membership's column (role_id or team_id) and the table it
-- points to (roles or teams).
create function membership_counts() returns trigger
language plpgsql as $$
begin
    -- Bulk loads (roster seed) switch the counters off and recount the tenant once at the end.
    if roster_bulk_load() then
        return null;
    end if;
    -- The users are share-locked: a concurrent status change waits (or is waited for), so an
    -- assignment never counts a user in a cell they just left.
    execute format(
        'with locked as (
             select u.tenant_id, u.id, u.user_type, u.status, u.last_login_at, u.expires_at
               from users u
              where (u.tenant_id, u.id) in (select tenant_id, user_id from changed_rows)
                for share
         )
         insert into %1$I as c (tenant_id, %2$I, user_type, status, signed_in, expires, users)
         select u.tenant_id, ch.%2$I, u.user_type, u.status, u.last_login_at is not null,
                coalesce(u.expires_at, ''infinity''), $1 * count(*)
           from changed_rows ch join locked u on u.tenant_id = ch.tenant_id and u.id = ch.user_id
          -- Deleting a role or team cascades to its assignments and counters alike.
          where exists (select 1 from %3$I p where p.tenant_id = ch.tenant_id and p.id = ch.%2$I)
          group by 1, 2, 3, 4, 5, 6
         on conflict on constraint %4$I do update set users = c.users + excluded.users',
        tg_argv[0], tg_argv[1], tg_argv[2], tg_argv[0] || '_pkey')
    using case when tg_op = 'INSERT' then 1 else -1 end;
    return null;
end;
$$;

create trigger user_roles_counts_insert after insert on user_roles
    referencing new table as changed_rows for each statement
    execute function membership_counts('role_user_counts', 'role_id', 'roles');
create trigger user_roles_counts_delete after delete on user_roles
    referencing old table as changed_rows for each statement
    execute function membership_counts('role_user_counts', 'role_id', 'roles');
create trigger team_members_counts_insert after insert on team_members
    referencing new table as changed_rows for each statement
    execute function membership_counts('team_user_counts', 'team_id', 'teams');
create trigger team_members_counts_delete after delete on team_members
    referencing old table as changed_rows for each statement
    execute function membership_counts('team_user_counts', 'team_id', 'teams');

-- Recounts one tenant's counters from scratch: after a bulk load, and for the users that exist
-- when this migration runs.
create function recount_users(tenant uuid) returns void
language sql as $$
    delete from user_counts where tenant_id = tenant;
    delete from role_user_counts where tenant_id = tenant;
    delete from team_user_counts where tenant_id = tenant;
    insert into user_counts (tenant_id, user_type, status, signed_in, expires, users)
    select tenant_id, user_type, status, last_login_at is not null,
           coalesce(expires_at, 'infinity'), count(*) from users
     where tenant_id = tenant group by 1, 2, 3, 4, 5;
    insert into role_user_counts (tenant_id, role_id, user_type, status, signed_in, expires, users)
    select u.tenant_id, ur.role_id, u.user_type, u.status, u.last_login_at is not null,
           coalesce(u.expires_at, 'infinity'), count(*)
      from user_roles ur join users u on u.tenant_id = ur.tenant_id and u.id = ur.user_id
     where ur.tenant_id = tenant group by 1, 2, 3, 4, 5, 6;
    insert into team_user_counts (tenant_id, team_id, user_type, status, signed_in, expires, users)
    select u.tenant_id, tm.team_id, u.user_type, u.status, u.last_login_at is not null,
           coalesce(u.expires_at, 'infinity'), count(*)
      from team_members tm join users u on u.tenant_id = tm.tenant_id and u.id = tm.user_id
     where tm.tenant_id = tenant group by 1, 2, 3, 4, 5, 6;
$$;

-- Existing users, in every tenant.
select set_config('roster.all_tenants', 'on', true);
insert into user_search select r.* from users u, lateral user_search_row(u) r;
select recount_users(id) from tenants;
