-- A bearer request enters its token's tenant in its first statement, before any tenant is
-- entered. It did so through a security-definer function lifting row-level security for one
-- read of `api_tokens` (0.2 ms a request, most of what a token cost beyond a cookie). This table
-- answers that one question as `sessions` does for a cookie: no policy, found by the exact hash
-- of an unguessable secret, and it holds nothing else. The application role can only read it;
-- it follows `api_tokens` by the trigger below (a token's hash cannot change while this
-- table refers to it, and the policy of `api_tokens` keeps its tenant).
create table api_token_tenants (
    token_hash bytea not null,
    tenant_id  uuid  not null,
    constraint api_token_tenants_pkey primary key (token_hash),
    constraint api_token_tenants_token_fkey foreign key (token_hash)
        references api_tokens (token_hash) on delete cascade
);
revoke insert, update, delete, truncate on api_token_tenants from roster_app;

create function api_token_tenants_follow() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
    insert into api_token_tenants (token_hash, tenant_id) values (new.token_hash, new.tenant_id);
    return null;
end;
$$;
create trigger api_token_tenants_follow after insert on api_tokens
    for each row execute function api_token_tenants_follow();

-- The tokens issued before this table.
select set_config('roster.all_tenants', 'on', true);
insert into api_token_tenants (token_hash, tenant_id) select token_hash, tenant_id from api_tokens;
select set_config('roster.all_tenants', '', true);

drop function roster_token_tenant(bytea);
