-- What a user's roles grant, as permission keys: their own roles and their teams' default roles.
-- A function so that loading the actor of a request reads the user and their permissions in one
-- statement (one round trip on every request).
create function roster_granted_permissions(tenant uuid, member uuid) returns text[]
language sql stable as $$
    select coalesce(array_agg(distinct key), '{}')
      from roles r, unnest(r.permissions) as key
     where r.tenant_id = tenant
       and (r.id in (select role_id from user_roles where tenant_id = tenant and user_id = member)
            or r.id in (select t.default_role_id from teams t
                          join team_members m on m.tenant_id = t.tenant_id and m.team_id = t.id
                         where t.tenant_id = tenant and m.user_id = member))
$$;
