-- Looking one user up by what people type, at a million users.
--
-- The unique indexes were on lower(email), lower(username)… Under row-level security PostgreSQL
-- evaluates no function that is not leakproof ahead of the policy, and lower() is not, so for
-- the application role `lower(username) = lower($2)` could not use them: signing in, and the
-- uniqueness checks of every create and edit, read the whole tenant (1.2–1.9 s at 1M users).
-- Stored lower-cased keys compare with plain text equality, which is leakproof, so the same
-- lookups become index scans. The keys of email and username exist already (the directory's
-- sorts); external ID and employee code get theirs. The unique indexes move onto the keys,
-- under the same names (they double as the field-error keys).

alter table users
    add column external_id_key text collate "C" generated always as (lower(external_id)) stored,
    add column employee_code_key text collate "C" generated always as (lower(employee_code)) stored;

drop index users_email_key;
create unique index users_email_key on users (tenant_id, email_key);
drop index users_username_key;
create unique index users_username_key on users (tenant_id, username_key);
drop index users_external_id_key;
create unique index users_external_id_key on users (tenant_id, external_id_key)
    where external_id_key is not null;
drop index users_employee_code_key;
create unique index users_employee_code_key on users (tenant_id, employee_code_key)
    where employee_code_key is not null;
