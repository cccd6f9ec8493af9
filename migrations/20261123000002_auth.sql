-- Sign-in support: throttling state, system-role keys, and row-level security as the second
-- wall between tenants.

-- ---------------------------------------------------------------------------------------------
-- Throttling of failed sign-ins
-- ---------------------------------------------------------------------------------------------
-- State lives in Postgres so every server replica sees the same counters. Rows are keyed by
-- what was typed, not by what exists: an unknown account is throttled exactly like a real one,
-- so throttling reveals nothing about which accounts exist.
create table auth_throttle (
    -- 'account': key is the SHA-256 (hex) of "<tenant slug>/<lowercased login>", never the typed
    -- text (a password typed into the login field must not be stored); 'address': the address.
    scope                text        not null,
    key                  text        not null,
    -- Failures since the last success; beyond a threshold each attempt must wait longer.
    consecutive_failures integer     not null default 0,
    -- A rolling one-hour window with its failure count, for the hard hourly cap.
    window_started_at    timestamptz not null default now(),
    window_failures      integer     not null default 0,
    -- No attempt is evaluated before this instant (429 with Retry-After).
    blocked_until        timestamptz,
    updated_at           timestamptz not null default now(),
    constraint auth_throttle_pkey primary key (scope, key),
    constraint auth_throttle_scope_check check (scope in ('account', 'address'))
);

-- ---------------------------------------------------------------------------------------------
-- System roles
-- ---------------------------------------------------------------------------------------------
-- System roles are seeded into every tenant by the application; the key names which one a row
-- is (administrator, user_manager, helpdesk, auditor, read_only), independent of its label.
alter table roles add column system_key text;
alter table roles add constraint roles_system_key_matches check ((system_key is not null) = is_system);
create unique index roles_system_key_key on roles (tenant_id, system_key) where system_key is not null;

-- ---------------------------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------------------------
-- Every query already filters by the actor's tenant; these policies refuse other tenants' rows
-- even when a query forgets. Each transaction names its tenant with
--     select set_config('roster.tenant_id', '<uuid>', true)
-- and the few platform operations that span tenants (listing tenants with their user counts)
-- say so explicitly with roster.all_tenants = 'on'. With neither set, no tenant row is visible.
--
-- FORCE makes the policies apply to the tables' owner too (the role the application connects
-- as). Superusers and BYPASSRLS roles skip row-level security entirely: connect as an ordinary
-- role (./roster.sh does), and the server warns at start-up when it cannot be enforced.
--
-- tenants (the registry sign-in resolves slugs in), sessions (looked up by token before the
-- tenant is known) and auth_throttle (before anyone is signed in) are not tenant data and have
-- no policies.

create function roster_current_tenant() returns uuid
language sql stable as $$
    select nullif(current_setting('roster.tenant_id', true), '')::uuid
$$;

create function roster_all_tenants() returns boolean
language sql stable as $$
    select coalesce(current_setting('roster.all_tenants', true), '') = 'on'
$$;

do $$
declare
    t text;
begin
    foreach t in array array['users', 'user_avatars', 'roles', 'user_roles', 'teams',
                             'team_members', 'audit_events']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy %I on %I
                 using (tenant_id = roster_current_tenant() or roster_all_tenants())
                 with check (tenant_id = roster_current_tenant() or roster_all_tenants())',
            t || '_tenant_isolation', t);
    end loop;
end;
$$;
