-- Roster's foundation schema: tenants, users, roles, teams, sessions and the audit trail.
--
-- Conventions used throughout:
-- * Every row of tenant data carries tenant_id, and every key starts with it: rows of one tenant
--   sit together in each index, and the schema can be distributed by tenant (Citus) later.
-- * References between tenant rows are composite (tenant_id, id), so a row can never point at
--   another tenant's row: the database itself refuses cross-tenant links.
-- * Constraints and indexes are named explicitly; the application turns unique violations into
--   field errors by name (users_email_key → "email").
-- * Case-insensitive uniqueness uses unique indexes on lower(...).

create extension if not exists pg_trgm;

-- ---------------------------------------------------------------------------------------------
-- Tenants
-- ---------------------------------------------------------------------------------------------
create table tenants (
    id          uuid        not null default gen_random_uuid(),
    slug        text        not null,
    name        text        not null,
    -- Default timezone for the tenant's new users (IANA name, checked by the application).
    timezone    text        not null default 'UTC',
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    version     bigint      not null default 1,
    constraint tenants_pkey primary key (id),
    constraint tenants_slug_key unique (slug),
    -- Same rule as shared::TenantSlug: lowercase, digits, inner hyphens, 2..63 characters.
    constraint tenants_slug_format check (slug ~ '^[a-z0-9][a-z0-9-]{0,61}[a-z0-9]$'),
    constraint tenants_name_not_blank check (btrim(name) <> '')
);

-- The reserved tenant platform superusers belong to. Its users are the superusers; it never
-- appears in any organisation's user list.
insert into tenants (slug, name) values ('platform', 'Roster platform');

-- ---------------------------------------------------------------------------------------------
-- Users
-- ---------------------------------------------------------------------------------------------
create table users (
    tenant_id            uuid        not null,
    id                   uuid        not null default gen_random_uuid(),
    first_name           text        not null,
    last_name            text        not null,
    email                text        not null,
    -- The login name.
    username             text        not null,
    -- E.164, e.g. +14155550123.
    phone                text,
    -- The person's key in the HR/employee system.
    external_id          text,
    employee_code        text,
    timezone             text        not null default 'UTC',
    position             text,
    department           text,
    location             text,
    branch               text,
    tags                 text[]      not null default '{}',
    manager_id           uuid,
    -- Weekly schedule, e.g. {"mon": [["09:00","17:00"]], ...}; shape checked by the application.
    working_hours        jsonb,
    user_type            text        not null,
    status               text        not null default 'active',
    console_access       boolean     not null default true,
    -- After this instant the account cannot sign in and shows as expired.
    expires_at           timestamptz,
    -- Argon2id PHC string; null for accounts that never sign in with a password.
    password_hash        text,
    must_change_password boolean     not null default false,
    password_changed_at  timestamptz,
    last_login_at        timestamptz,
    -- Set when an avatar is stored (user_avatars); also busts browser caches.
    avatar_updated_at    timestamptz,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    -- Optimistic concurrency: every update checks and bumps it; a stale edit gets 409.
    version              bigint      not null default 1,
    constraint users_pkey primary key (tenant_id, id),
    constraint users_tenant_fkey foreign key (tenant_id) references tenants (id),
    constraint users_manager_fkey foreign key (tenant_id, manager_id) references users (tenant_id, id),
    -- Longer manager cycles are refused by the application inside the saving transaction.
    constraint users_manager_not_self check (manager_id is null or manager_id <> id),
    constraint users_user_type_check check (
        user_type in ('tenant_admin', 'supervisor', 'agent', 'analyst', 'viewer', 'service')),
    constraint users_status_check check (status in ('active', 'suspended')),
    constraint users_phone_e164 check (phone is null or phone ~ '^\+[1-9][0-9]{6,14}$'),
    constraint users_first_name_not_blank check (btrim(first_name) <> ''),
    constraint users_last_name_not_blank check (btrim(last_name) <> ''),
    constraint users_email_not_blank check (btrim(email) <> ''),
    constraint users_username_not_blank check (btrim(username) <> '')
);

-- Uniqueness within a tenant, ignoring case. The index names double as the field-error keys.
create unique index users_email_key on users (tenant_id, lower(email));
create unique index users_username_key on users (tenant_id, lower(username));
create unique index users_external_id_key on users (tenant_id, lower(external_id))
    where external_id is not null;
create unique index users_employee_code_key on users (tenant_id, lower(employee_code))
    where employee_code is not null;
-- Direct reports of a manager (hierarchy walks, cycle checks).
create index users_manager_idx on users (tenant_id, manager_id) where manager_id is not null;

-- Avatars live apart from users so that listing a million users never reads image bytes.
create table user_avatars (
    tenant_id    uuid        not null,
    user_id      uuid        not null,
    content_type text        not null,
    -- A 256 px square, re-encoded by the server.
    image        bytea       not null,
    updated_at   timestamptz not null default now(),
    constraint user_avatars_pkey primary key (tenant_id, user_id),
    constraint user_avatars_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
    constraint user_avatars_content_type_check check (content_type in ('image/png', 'image/jpeg', 'image/webp')),
    constraint user_avatars_size_check check (octet_length(image) <= 2097152)
);

-- ---------------------------------------------------------------------------------------------
-- Roles
-- ---------------------------------------------------------------------------------------------
create table roles (
    tenant_id   uuid        not null,
    id          uuid        not null default gen_random_uuid(),
    name        text        not null,
    description text        not null default '',
    -- Permission keys from the catalogue in shared (users.read, …).
    permissions text[]      not null default '{}',
    -- System roles are seeded per tenant and read-only.
    is_system   boolean     not null default false,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    version     bigint      not null default 1,
    constraint roles_pkey primary key (tenant_id, id),
    constraint roles_tenant_fkey foreign key (tenant_id) references tenants (id),
    constraint roles_name_not_blank check (btrim(name) <> '')
);

create unique index roles_name_key on roles (tenant_id, lower(name));

create table user_roles (
    tenant_id  uuid        not null,
    user_id    uuid        not null,
    role_id    uuid        not null,
    created_at timestamptz not null default now(),
    constraint user_roles_pkey primary key (tenant_id, user_id, role_id),
    constraint user_roles_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
    -- Deleting a custom role removes its assignments in the same statement.
    constraint user_roles_role_fkey foreign key (tenant_id, role_id)
        references roles (tenant_id, id) on delete cascade
);

-- Users holding a role (role filter, member counts).
create index user_roles_role_idx on user_roles (tenant_id, role_id, user_id);

-- ---------------------------------------------------------------------------------------------
-- Teams
-- ---------------------------------------------------------------------------------------------
create table teams (
    tenant_id       uuid        not null,
    id              uuid        not null default gen_random_uuid(),
    name            text        not null,
    description     text        not null default '',
    -- Every member inherits this role while a member.
    default_role_id uuid,
    -- Membership rules, e.g. {"match": "all", "conditions": [{"field": "department", "op": "eq", "value": "Sales"}]}.
    rules           jsonb,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    version         bigint      not null default 1,
    constraint teams_pkey primary key (tenant_id, id),
    constraint teams_tenant_fkey foreign key (tenant_id) references tenants (id),
    -- A role in use as a default cannot vanish silently: deleting it clears the default.
    constraint teams_default_role_fkey foreign key (tenant_id, default_role_id)
        references roles (tenant_id, id) on delete set null (default_role_id),
    constraint teams_name_not_blank check (btrim(name) <> '')
);

create unique index teams_name_key on teams (tenant_id, lower(name));

create table team_members (
    tenant_id  uuid        not null,
    team_id    uuid        not null,
    user_id    uuid        not null,
    -- 'manual' when added by hand, 'rule' when a membership rule matched.
    source     text        not null default 'manual',
    created_at timestamptz not null default now(),
    constraint team_members_pkey primary key (tenant_id, team_id, user_id),
    constraint team_members_team_fkey foreign key (tenant_id, team_id)
        references teams (tenant_id, id) on delete cascade,
    constraint team_members_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
    constraint team_members_source_check check (source in ('manual', 'rule'))
);

-- A user's teams (team filter on the directory, effective permissions).
create index team_members_user_idx on team_members (tenant_id, user_id, team_id);

-- ---------------------------------------------------------------------------------------------
-- Sessions
-- ---------------------------------------------------------------------------------------------
-- The browser holds a random 256-bit token; only its SHA-256 is stored, so a database leak does
-- not hand out live sessions. Requests arrive with the token alone, so the token hash is the key
-- (the one table whose key does not start with tenant_id).
create table sessions (
    token_hash   bytea       not null,
    tenant_id    uuid        not null,
    user_id      uuid        not null,
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    -- Absolute end; the idle timeout is checked against last_seen_at.
    expires_at   timestamptz not null,
    source_ip    inet,
    user_agent   text,
    constraint sessions_pkey primary key (token_hash),
    constraint sessions_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
    constraint sessions_token_hash_length check (octet_length(token_hash) = 32)
);

-- Ending every session of one user (suspension, password reset or change).
create index sessions_user_idx on sessions (tenant_id, user_id);

-- ---------------------------------------------------------------------------------------------
-- Audit trail
-- ---------------------------------------------------------------------------------------------
-- One row per change, written in the same transaction as the change. Never updated or deleted.
create table audit_events (
    tenant_id   uuid        not null,
    id          bigint      generated always as identity,
    occurred_at timestamptz not null default now(),
    -- 'user' (actor_id set), 'system' (rule-driven changes, bootstrap) or 'anonymous' (failed sign-ins).
    actor_kind  text        not null,
    actor_id    uuid,
    -- The actor's display name at the time, so the trail reads right after renames.
    actor_name  text        not null default '',
    -- Dotted verb, e.g. user.created, user.suspended, session.sign_in_failed.
    action      text        not null,
    target_type text,
    target_id   uuid,
    target_name text,
    -- {"field": {"before": ..., "after": ...}}; secrets are never recorded, only that they changed.
    changes     jsonb       not null default '{}',
    -- Free-form context (reason codes, rule ids); never secrets.
    details     jsonb       not null default '{}',
    source_ip   inet,
    user_agent  text,
    request_id  text,
    -- The writing transaction, so tests can prove every change has its event from the same one.
    txid        bigint      not null default txid_current(),
    constraint audit_events_pkey primary key (tenant_id, id),
    constraint audit_events_tenant_fkey foreign key (tenant_id) references tenants (id),
    constraint audit_events_actor_kind_check check (actor_kind in ('user', 'system', 'anonymous')),
    constraint audit_events_actor_id_check check ((actor_kind = 'user') = (actor_id is not null))
);

create index audit_events_time_idx on audit_events (tenant_id, occurred_at desc, id desc);
create index audit_events_target_idx on audit_events (tenant_id, target_id, occurred_at desc, id desc)
    where target_id is not null;
create index audit_events_actor_idx on audit_events (tenant_id, actor_id, occurred_at desc, id desc)
    where actor_id is not null;

-- The trail is append-only for everyone, including the table owner: updates, deletes and
-- truncation raise an error.
create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit_events is append-only (% refused)', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

create trigger audit_events_append_only
    before update or delete on audit_events
    for each row execute function audit_events_refuse_change();

create trigger audit_events_no_truncate
    before truncate on audit_events
    for each statement execute function audit_events_refuse_change();
