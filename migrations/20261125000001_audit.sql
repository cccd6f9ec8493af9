-- The audit trail as a guarantee: a transaction that changes users, their avatars, roles, teams
-- or memberships cannot commit without writing an audit event itself. Reading the trail: an
-- index per filter of the Audit page.

-- Events of one transaction (the guard below looks them up at commit).
create index audit_events_txid_idx on audit_events (txid);

-- Filtering the Audit page by action.
create index audit_events_action_idx on audit_events (tenant_id, action, occurred_at desc, id desc);

-- Whether the changes of this transaction are deliberately not audited: set (per transaction or
-- session) only by hand-run maintenance and by tests arranging their data. Roster never sets it.
create function roster_unaudited() returns boolean
language sql stable as $$
    select coalesce(current_setting('roster.unaudited', true), '') = 'on'
$$;

-- Runs at commit for every changed row (deferred): refuses the commit unless the transaction
-- wrote an audit event. The first row that finds one notes it, so the others cost a setting read.
create function roster_require_audit() returns trigger
language plpgsql as $$
declare
    tx text := txid_current()::text;
begin
    if current_setting('roster.audited_txid', true) is distinct from tx then
        if not exists (select from audit_events where txid = txid_current()) then
            raise exception '% changed without an audit event in the same transaction',
                tg_table_name
                using errcode = 'integrity_constraint_violation',
                      hint = 'Record the change with audit::record in its transaction.';
        end if;
        perform set_config('roster.audited_txid', tx, true);
    end if;
    return null;
end;
$$;

-- Bulk loads (roster seed) record one event for the load and skip the per-row check: the WHEN
-- condition is evaluated at once, so skipped rows queue nothing.
do $$
declare
    t text;
begin
    foreach t in array array['users', 'user_avatars', 'roles', 'user_roles', 'teams', 'team_members']
    loop
        execute format(
            'create constraint trigger %I after insert or update or delete on %I
                 deferrable initially deferred
                 for each row when (not roster_bulk_load() and not roster_unaudited())
                 execute function roster_require_audit()',
            t || '_audited', t);
    end loop;
end;
$$;
