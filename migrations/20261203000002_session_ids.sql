-- Sessions as their user and administrators see them in a list ("where am I signed in"),
-- named by an id of their own: never by the hash of their secret, which stays the key a
-- request is looked up by.
alter table sessions add column id uuid not null default gen_random_uuid();
alter table sessions add constraint sessions_id_key unique (id);
