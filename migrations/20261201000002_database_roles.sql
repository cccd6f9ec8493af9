-- Two database roles. Migrations run as the owner of the tables (whoever runs this file); the
-- server connects as `roster_app` (or a login role that is a member of it), which may read and
-- write rows but owns nothing: it cannot alter a table, disable a trigger or row-level
-- security, truncate, or change or delete an audit event. The role is made once per cluster
-- (./roster.sh does it; README "Database roles" says how for an external database).
do $$
begin
    if not exists (select from pg_roles where rolname = 'roster_app') then
        raise exception 'the database role roster_app does not exist'
            using hint = 'Create it once per cluster, as a superuser: '
                         'create role roster_app login password ''…''; see README "Database roles".';
    end if;
end;
$$;

-- Whether the session's login role could switch the guards off anyway (it owns the tables, or
-- is a superuser). `session_user`, not `current_user`: inside a SECURITY DEFINER function
-- current_user is the owner, whoever called it.
create function roster_session_is_owner() returns boolean
language sql stable as $$
    select pg_has_role(session_user, (select relowner from pg_class where oid = 'users'::regclass),
                       'USAGE')
$$;

-- The escape hatches of bulk loads and hand-run maintenance work only for the owner: for the
-- application role, setting roster.bulk_load or roster.unaudited changes nothing.
create or replace function roster_bulk_load() returns boolean
language sql stable as $$
    select case when coalesce(current_setting('roster.bulk_load', true), '') = 'on'
                then roster_session_is_owner() else false end
$$;

create or replace function roster_unaudited() returns boolean
language sql stable as $$
    select case when coalesce(current_setting('roster.unaudited', true), '') = 'on'
                then roster_session_is_owner() else false end
$$;

-- Every tenant at once (roster.all_tenants) is for the owner too: platform work that spans
-- tenants, which the application does in the two functions below, each a fixed statement run
-- with the owner's rights. Setting roster.all_tenants in a session of the application role
-- changes nothing; inside those functions, current_user is the owner.
create or replace function roster_all_tenants() returns boolean
language sql stable as $$
    select case when coalesce(current_setting('roster.all_tenants', true), '') = 'on'
                then pg_has_role(current_user,
                                 (select relowner from pg_class where oid = 'users'::regclass),
                                 'USAGE')
                else false end
$$;

-- The team rule runs a restart left unfinished, in every tenant. (The setting is switched on
-- and back inside: a function's own SET clause may not name a custom setting here.)
create function roster_unfinished_team_runs()
returns table (tenant_id uuid, team_id uuid, run_id uuid)
language plpgsql security definer set search_path = public, pg_temp as $$
declare
    before constant text := coalesce(current_setting('roster.all_tenants', true), '');
begin
    perform set_config('roster.all_tenants', 'on', true);
    return query
        select r.tenant_id, r.team_id, r.run_id from team_rule_runs r where r.finished_at is null;
    perform set_config('roster.all_tenants', before, true);
end;
$$;

-- Users per tenant (the platform's tenant list), from the counters behind the stat cards.
create function roster_tenant_user_counts()
returns table (tenant_id uuid, users bigint)
language plpgsql security definer set search_path = public, pg_temp as $$
declare
    before constant text := coalesce(current_setting('roster.all_tenants', true), '');
begin
    perform set_config('roster.all_tenants', 'on', true);
    return query
        select c.tenant_id, sum(c.users)::bigint from user_counts c group by c.tenant_id;
    perform set_config('roster.all_tenants', before, true);
end;
$$;

revoke all on function roster_unfinished_team_runs(), roster_tenant_user_counts() from public;
grant execute on function roster_unfinished_team_runs(), roster_tenant_user_counts() to roster_app;

-- The guard looks for the transaction's audit event for every changed row. It used to note the
-- first find in a setting, which any role may set: a forged note let a change commit without
-- an event. One index probe per changed row is what it costs instead.
create or replace function roster_require_audit() returns trigger
language plpgsql as $$
begin
    if not exists (select from audit_events where txid = txid_current()) then
        raise exception '% changed without an audit event in the same transaction', tg_table_name
            using errcode = 'integrity_constraint_violation',
                  hint = 'Record the change with audit::record in its transaction.';
    end if;
    return null;
end;
$$;

-- user_search has no policy of its own that the application could read it under (LIKE is not
-- leakproof, so under a policy its trigram index is unusable; see 20261124000001). The
-- application reads it through user_search_in_tenant instead, a view owned by the owner that
-- shows the rows of the transaction's tenant (or all, for platform work), and may not touch the
-- table itself. The table's policy holds every other role that is not its owner.
alter table user_search enable row level security;
create policy user_search_tenant_isolation on user_search
    using (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))
    with check (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()));

create view user_search_in_tenant as
    select * from user_search
     where tenant_id = (select roster_current_tenant()) or (select roster_all_tenants());

-- The triggers that keep user_search in step run with the owner's rights.
alter function user_search_sync() security definer set search_path = public, pg_temp;

-- What the application role may do.
grant usage on schema public to roster_app;
grant select, insert, update, delete on all tables in schema public to roster_app;
grant usage, select on all sequences in schema public to roster_app;
revoke all on user_search from roster_app;
grant select on user_search_in_tenant to roster_app;
revoke update, delete on audit_events from roster_app;
-- The record of migrations (sqlx's; absent when the files are run by hand) is only read, to
-- check at start-up that none is missing.
do $$
begin
    if to_regclass('_sqlx_migrations') is not null then
        revoke insert, update, delete, truncate on _sqlx_migrations from roster_app;
    end if;
end;
$$;
-- Tables and sequences of later migrations: rows readable and writable unless they say less.
alter default privileges in schema public grant select, insert, update, delete on tables to roster_app;
alter default privileges in schema public grant usage, select on sequences to roster_app;
