-- user_search_row returns a set (of one row), so the planner inlines it into the statement that
-- calls it. Returning a single composite, it ran as a function call with a small executor of its
-- own for every row: a third of the time `roster seed` spent filling user_search, and a share of
-- every statement-level sync of user_search. Callers (`lateral user_search_row(u) r`) are
-- unchanged.
drop function user_search_row(users);

create function user_search_row(u users) returns setof user_search
language sql immutable as $$
    select u.tenant_id, u.id, u.search_text, u.last_name_key, u.first_name_key, u.email_key,
           u.username_key, u.last_login_key, u.last_login_at, u.created_at, u.status, u.user_type,
           u.expires_at
$$;
