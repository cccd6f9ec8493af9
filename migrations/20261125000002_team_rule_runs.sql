-- Applying a team's membership rule to a large tenant runs in the background, a batch of users
-- per transaction; this row is its progress (one per team: a newer rule change replaces it, and
-- the older run stops at its next batch). Unfinished runs are started again when Roster starts
-- (applying a rule is idempotent).
create table team_rule_runs (
    tenant_id   uuid        not null,
    team_id     uuid        not null,
    -- Which run this is: a run stops when the row no longer carries its own.
    run_id      uuid        not null default gen_random_uuid(),
    started_at  timestamptz not null default now(),
    finished_at timestamptz,
    total       bigint      not null,
    done        bigint      not null default 0,
    added       bigint      not null default 0,
    removed     bigint      not null default 0,
    constraint team_rule_runs_pkey primary key (tenant_id, team_id),
    constraint team_rule_runs_team_fkey foreign key (tenant_id, team_id)
        references teams (tenant_id, id) on delete cascade
);

alter table team_rule_runs enable row level security;
alter table team_rule_runs force row level security;
create policy team_rule_runs_tenant_isolation on team_rule_runs
    using (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()))
    with check (tenant_id = (select roster_current_tenant()) or (select roster_all_tenants()));
