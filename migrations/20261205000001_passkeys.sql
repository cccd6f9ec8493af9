-- Passkeys and security keys (WebAuthn) as second factors.
--
-- A passkey keeps the credential as webauthn-rs records it (its id, public key and signature
-- counter: nothing secret), and while its registration waits for the browser, that ceremony's
-- state (`ceremony`: the challenge sent). A sign-in waiting for its second factor keeps the
-- state of the passkey ceremony it started, used once.

alter table second_factors
    drop constraint second_factors_kind,
    add constraint second_factors_kind check (kind in ('totp', 'passkey')),
    add column credential    jsonb,
    add column credential_id bytea,
    add column ceremony      jsonb,
    add constraint second_factors_passkey_credential
        check (kind <> 'passkey' or confirmed_at is null
               or (credential is not null and credential_id is not null));

-- One account per credential in an organisation: a key registered twice is refused.
create unique index second_factors_credential_id_key
    on second_factors (tenant_id, credential_id) where credential_id is not null;

alter table sign_in_challenges add column passkey_state jsonb;
