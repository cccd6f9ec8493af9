-- Throttled sign-ins aggregated in the audit trail, and the account key by user id.
--
-- Every attempt refused by the throttle used to write its own `session.sign_in_failed` event,
-- so an unauthenticated flood grew the append-only audit table without bound. Now only the
-- first refusal of each wait of a key is recorded; the others are counted here and the count
-- is written on the next event recorded for the key (app/src/backend/throttle.rs).
--
-- The 'account' scope now has two kinds of key: 'user:<uuid>' when the login typed names an
-- existing user (one bucket per account, whether its username or its email was typed), and,
-- as before, the SHA-256 (hex) of "<tenant slug>/<lowercased login>" when it names nobody.

-- Refused attempts of this key not yet written to the audit trail.
alter table auth_throttle
    add column unrecorded_refusals integer not null default 0;

-- The end of the wait whose first refusal has been recorded: a refusal during that same wait
-- is only counted; the first one of a later wait is recorded again.
alter table auth_throttle
    add column recorded_wait_end timestamptz;
