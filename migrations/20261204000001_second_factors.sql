-- A second factor for the console: authenticator apps (TOTP, RFC 6238) and recovery codes,
-- the sign-ins waiting for one, and each organisation's policy of who must have one.

-- Who must have a second factor before using the console: nobody ('optional'), whoever holds
-- an administrator's permission ('administrators'), or 'everyone'. The platform's superusers
-- must have one whatever this says.
alter table tenants add column second_factor_policy text not null default 'optional',
    add constraint tenants_second_factor_policy
        check (second_factor_policy in ('optional', 'administrators', 'everyone'));

-- A user's second factors. An authenticator app keeps its shared key (`secret`): a one-time
-- code can only be checked against it, so it cannot be stored as a hash; row-level security
-- keeps it in its tenant and no answer carries it after enrolment. `last_step` is the time step
-- of the last code accepted: a code is accepted once, and never one older than it.
create table second_factors (
    tenant_id    uuid        not null,
    id           uuid        not null default gen_random_uuid(),
    user_id      uuid        not null,
    kind         text        not null,
    name         text        not null,
    secret       bytea,
    last_step    bigint,
    created_at   timestamptz not null default now(),
    -- Null while enrolment waits for its first code: such a factor signs nobody in.
    confirmed_at timestamptz,
    last_used_at timestamptz,
    constraint second_factors_pkey primary key (tenant_id, id),
    constraint second_factors_user_fkey foreign key (tenant_id, user_id)
        references users (tenant_id, id) on delete cascade,
    constraint second_factors_kind check (kind in ('totp')),
    constraint second_factors_totp_secret check (kind <> 'totp' or octet_length(secret) >= 16),
    constraint second_factors_name_not_blank check (btrim(name) <> '')
);
create index second_factors_user_idx on second_factors (tenant_id, user_id);

-- Recovery codes: 80 random bits each, so their SHA-256 is all that is kept (like tokens', no
-- slow hash is needed). A used code is deleted.
create table recovery_codes (
    tenant_id  uuid        not null,
    user_id    uuid        not null,
    code_hash  bytea       not null,
    created_at timestamptz not null default now(),
    constraint recovery_codes_pkey primary key (tenant_id, user_id, code_hash),
    constraint recovery_codes_user_fkey foreign key (tenant_id, user_id)
        references users (tenant_id, id) on delete cascade,
    constraint recovery_codes_hash_length check (octet_length(code_hash) = 32)
);

do $$
declare
    t text;
begin
    foreach t in array array['second_factors', 'recovery_codes']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        execute format(
            'create policy %I on %I
                 using (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))
                 with check (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))',
            t || '_tenant_isolation', t);
    end loop;
end;
$$;

-- A sign-in whose password was right and which waits for the second factor: the browser holds
-- a random 256-bit token (a short-lived cookie), only its SHA-256 is kept. Like `sessions`, it
-- is found by that hash before any tenant is entered, so it has no policy; it grants nothing
-- but the right to offer a code, a few times, for a few minutes.
create table sign_in_challenges (
    token_hash bytea       not null,
    tenant_id  uuid        not null,
    user_id    uuid        not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    -- Wrong codes offered: at the limit the challenge ends and the password is asked again.
    failures   integer     not null default 0,
    constraint sign_in_challenges_pkey primary key (token_hash),
    constraint sign_in_challenges_user_fkey foreign key (tenant_id, user_id)
        references users (tenant_id, id) on delete cascade,
    constraint sign_in_challenges_token_hash_length check (octet_length(token_hash) = 32)
);
create index sign_in_challenges_user_idx on sign_in_challenges (tenant_id, user_id);
