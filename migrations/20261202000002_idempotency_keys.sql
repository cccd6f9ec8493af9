-- Answers to requests sent with an `Idempotency-Key` header (a batch of user changes): a retry
-- with the same key gets the first answer again instead of running twice. A key is its
-- sender's own and is kept a day. The row is written first, in the request's transaction, so a
-- concurrent retry waits for the first to end and then reads its answer.
create table idempotency_keys (
    tenant_id    uuid        not null,
    -- Who sent it (a user, or the service account behind a token).
    user_id      uuid        not null,
    key          text        not null,
    -- SHA-256 of the request: the same key with another request is refused.
    request_hash bytea       not null,
    -- Null until the request's answer is known (only ever seen so by that request).
    answer       jsonb,
    created_at   timestamptz not null default now(),
    constraint idempotency_keys_pkey primary key (tenant_id, user_id, key),
    constraint idempotency_keys_user_fkey foreign key (tenant_id, user_id) references users (tenant_id, id),
    constraint idempotency_keys_key_length check (char_length(key) between 1 and 200)
);

alter table idempotency_keys enable row level security;
alter table idempotency_keys force row level security;
create policy idempotency_keys_tenant_isolation on idempotency_keys
    using (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))
    with check (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()));
