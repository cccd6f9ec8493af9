-- API tokens: how a program calls the JSON API as a `service` account
-- (`Authorization: Bearer roster_…`). The secret (32 random bytes) is shown once; only its
-- SHA-256 is kept: 256 random bits leave nothing to guess, so a slow hash would buy nothing.
create table api_tokens (
    tenant_id    uuid        not null,
    id           uuid        not null default gen_random_uuid(),
    -- The service account the token acts as.
    user_id      uuid        not null,
    name         text        not null,
    token_hash   bytea       not null,
    -- The secret's first characters, shown in lists to tell tokens apart.
    prefix       text        not null,
    -- Permission keys, a subset of the account's own when created; at every request the
    -- account's permissions of the moment cap them again.
    permissions  text[]      not null,
    created_at   timestamptz not null default now(),
    created_by   uuid,
    -- Null: never (a platform superuser's choice only).
    expires_at   timestamptz,
    revoked_at   timestamptz,
    -- Written at most once a minute, like a session's last use.
    last_used_at timestamptz,
    last_used_ip inet,
    constraint api_tokens_pkey primary key (tenant_id, id),
    constraint api_tokens_token_hash_key unique (token_hash),
    constraint api_tokens_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
    constraint api_tokens_token_hash_length check (octet_length(token_hash) = 32),
    constraint api_tokens_name_not_blank check (btrim(name) <> '')
);

-- A service account's tokens, for its page.
create index api_tokens_user_idx on api_tokens (tenant_id, user_id, created_at desc);

alter table api_tokens enable row level security;
alter table api_tokens force row level security;
create policy api_tokens_tenant_isolation on api_tokens
    using (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))
    with check (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()));

-- The tenant a token belongs to, before any tenant is entered: a bearer request's first
-- statement enters it (as a session's does from `sessions`, which has no policy). Only the
-- tenant's id comes out, and only for the exact hash.
create function roster_token_tenant(hash bytea) returns uuid
language plpgsql security definer set search_path = public, pg_temp as $$
declare
    before constant text := coalesce(current_setting('roster.all_tenants', true), '');
    found uuid;
begin
    perform set_config('roster.all_tenants', 'on', true);
    select tenant_id into found from api_tokens where token_hash = hash;
    perform set_config('roster.all_tenants', before, true);
    return found;
end;
$$;
grant execute on function roster_token_tenant(bytea) to roster_app;
