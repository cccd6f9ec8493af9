//! Passkeys over the JSON API, against a software authenticator written here from the WebAuthn
//! specification (an ECDSA P-256 key, "none" attestation; independent of webauthn-rs, which
//! checks what it makes): registering one, signing in with it, and the attacks — a replayed
//! assertion, another account's key, a signature for another challenge or origin, a
//! registration answered for someone else, the same key registered twice. Chromium's virtual
//! authenticator drives the same paths in the browser (end2end/tests/passkeys.spec.ts).

use axum::body::Body;
use axum::http::{StatusCode, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use rand::RngCore as _;
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;

use crate::second_factors::{challenge, count, set_cookie};
use crate::{GOOD, acme_with_ada, add_user, app, arrange, call, cookie_for, json_post, send};

/// Where the test router's passkeys are made for (`Passkeys` in `services`).
const ORIGIN: &str = "http://localhost:3000";

/// An authenticator holding one credential.
struct SoftKey {
    key: SigningKey,
    id: Vec<u8>,
    counter: u32,
}

impl SoftKey {
    fn new() -> Self {
        let mut secret = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut secret);
        let mut id = vec![0u8; 16];
        rand::thread_rng().fill_bytes(&mut id);
        Self { key: SigningKey::from_slice(&secret).unwrap(), id, counter: 0 }
    }

    /// What `navigator.credentials.create(options)` gives at `origin`, as `toJSON()` writes it.
    fn create(&mut self, options: &Value, origin: &str) -> Value {
        let client_data = client_data("webauthn.create", options, origin);
        let point = self.key.verifying_key().to_sec1_point(false);
        let (x, y) = point.as_bytes()[1..].split_at(32);
        let cose = Cbor::Map(
            [(1, Cbor::Integer(2)), (3, Cbor::Integer(-7)), (-1, Cbor::Integer(1))]
                .into_iter()
                .chain([(-2, Cbor::Bytes(x.to_vec())), (-3, Cbor::Bytes(y.to_vec()))])
                .map(|(k, v)| (Cbor::Integer(k), v))
                .collect(),
        );
        // User present, user verified, attested credential data included.
        let mut auth_data = self.auth_data(options["rp"]["id"].as_str().unwrap(), 0x45);
        auth_data.extend([0u8; 16]); // no AAGUID
        auth_data.extend(u16::try_from(self.id.len()).unwrap().to_be_bytes());
        auth_data.extend(&self.id);
        auth_data.extend(serde_cbor_2::to_vec(&cose).unwrap());
        let attestation = Cbor::Map(
            [
                (Cbor::Text("fmt".into()), Cbor::Text("none".into())),
                (Cbor::Text("attStmt".into()), Cbor::Map(Default::default())),
                (Cbor::Text("authData".into()), Cbor::Bytes(auth_data)),
            ]
            .into_iter()
            .collect(),
        );
        json!({
            "id": B64.encode(&self.id), "rawId": B64.encode(&self.id), "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "attestationObject": B64.encode(serde_cbor_2::to_vec(&attestation).unwrap()),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        })
    }

    /// What `navigator.credentials.get(options)` gives at `origin`: the challenge signed.
    fn get(&mut self, options: &Value, origin: &str) -> Value {
        let client_data = client_data("webauthn.get", options, origin);
        let auth_data = self.auth_data(options["rpId"].as_str().unwrap(), 0x05);
        let signed = [auth_data.as_slice(), &Sha256::digest(&client_data)].concat();
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": B64.encode(&self.id), "rawId": B64.encode(&self.id), "type": "public-key",
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "authenticatorData": B64.encode(&auth_data),
                "signature": B64.encode(signature.to_der().as_bytes()),
            },
            "clientExtensionResults": {},
        })
    }

    /// The relying party's hash, the flags and the next signature counter.
    fn auth_data(&mut self, rp_id: &str, flags: u8) -> Vec<u8> {
        self.counter += 1;
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.counter.to_be_bytes());
        data
    }
}

fn client_data(kind: &str, options: &Value, origin: &str) -> Vec<u8> {
    let challenge = options["challenge"].as_str().unwrap();
    json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
        .to_string()
        .into_bytes()
}

/// Registers `key` as `cookie`'s passkey named `name`: the confirmation's status and body.
async fn register(pool: &PgPool, cookie: &str, key: &mut SoftKey) -> (StatusCode, Value) {
    let (status, started) =
        call(pool, "POST", "/api/v1/me/second-factors/passkey", cookie, None).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let credential = key.create(&started["options"], ORIGIN);
    confirm(pool, cookie, &started, credential).await
}

async fn confirm(
    pool: &PgPool,
    cookie: &str,
    started: &Value,
    credential: Value,
) -> (StatusCode, Value) {
    let id = started["id"].as_str().unwrap();
    let uri = format!("/api/v1/me/second-factors/passkey/{id}/confirm");
    let body = json!({"credential": credential, "name": "Laptop"});
    call(pool, "POST", &uri, cookie, Some(body)).await
}

/// `POST /session/second-factor/passkey` for the sign-in the cookie `waiting` holds.
async fn sign_in_options(pool: &PgPool, waiting: &str) -> (StatusCode, Value) {
    let request = json_post("/api/v1/session/second-factor/passkey")
        .header(header::COOKIE, waiting)
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(app(pool.clone()), request).await;
    (status, body)
}

/// Offers `assertion` for the sign-in the cookie `waiting` holds: the status, body and session
/// cookie.
async fn offer(
    pool: &PgPool,
    waiting: &str,
    assertion: &Value,
) -> (StatusCode, Value, Option<String>) {
    let request = json_post("/api/v1/session/second-factor")
        .header(header::COOKIE, waiting)
        .body(Body::from(json!({"passkey": assertion}).to_string()))
        .unwrap();
    let (status, headers, body) = send(app(pool.clone()), request).await;
    (status, body, set_cookie(&headers, "roster_session"))
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_passkey_is_registered_then_signs_in_once_per_challenge(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    let (status, started) =
        call(&pool, "POST", "/api/v1/me/second-factors/passkey", &cookie, None).await;
    assert_eq!(status, StatusCode::CREATED, "{started}");
    let options = &started["options"];
    assert_eq!(
        (&options["rp"]["id"], &options["user"]["name"]),
        (&json!("localhost"), &json!("ada"))
    );
    assert_eq!(options["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(options["excludeCredentials"], json!([]));

    // An answer made at another origin, or not an answer at all, adds nothing.
    let mut key = SoftKey::new();
    let elsewhere = key.create(options, "https://roster.example.net");
    let (status, body) = confirm(&pool, &cookie, &started, elsewhere).await;
    assert_eq!(
        (status, &body["fields"]["credential"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["key_refused"])),
        "{body}"
    );
    let (status, body) = confirm(&pool, &cookie, &started, json!({"id": 1})).await;
    assert_eq!(
        (status, &body["fields"]["credential"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["invalid"])),
        "{body}"
    );
    let failed =
        "select count(*) from audit_events where action = 'second_factor.enrolment_failed'";
    assert_eq!(count(&pool, failed).await, 1);

    let made = key.create(options, ORIGIN);
    let (status, added) = confirm(&pool, &cookie, &started, made.clone()).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(
        (&added["factor"]["kind"], &added["factor"]["name"]),
        (&json!("passkey"), &json!("Laptop"))
    );
    assert_eq!(added["recovery_codes"].as_array().unwrap().len(), 10, "the first factor's codes");
    // The registration is used up: its answer cannot register the key again.
    assert_eq!(confirm(&pool, &cookie, &started, made).await.0, StatusCode::NOT_FOUND);
    let (_, again) = call(&pool, "POST", "/api/v1/me/second-factors/passkey", &cookie, None).await;
    let excluded = &again["options"]["excludeCredentials"];
    assert_eq!(
        excluded[0]["id"],
        B64.encode(&key.id),
        "a registered key is not made twice: {excluded}"
    );

    // Signing in: the password, then the options for the account's keys, then the signature.
    let waiting = challenge(&pool, "ada").await;
    let (status, asked) = sign_in_options(&pool, &waiting).await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    let options = &asked["options"];
    assert_eq!(
        (&options["rpId"], &options["userVerification"]),
        (&json!("localhost"), &json!("required"))
    );
    assert_eq!(options["allowCredentials"][0]["id"], B64.encode(&key.id));
    let assertion = key.get(options, ORIGIN);
    let (status, body, session) = offer(&pool, &waiting, &assertion).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["username"], "ada");
    assert!(session.is_some());
    let used = "select count(*) from audit_events where action = 'session.signed_in' \
                and details->>'second_factor' = 'passkey'";
    assert_eq!(count(&pool, used).await, 1);
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &cookie, None).await;
    assert!(mine["factors"][0]["last_used_at"].is_string(), "{mine}");

    // Replayed: on its spent challenge, and on a new sign-in's, whose challenge differs.
    assert_eq!(offer(&pool, &waiting, &assertion).await.0, StatusCode::UNAUTHORIZED);
    let next = challenge(&pool, "ada").await;
    let (_, fresh) = sign_in_options(&pool, &next).await;
    let (status, body, session) = offer(&pool, &next, &assertion).await;
    assert_eq!(
        (status, &body["fields"]["passkey"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["key_refused"])),
        "{body}"
    );
    assert!(session.is_none());
    let refused = "select count(*) from audit_events where action = 'session.sign_in_failed' \
                   and details->>'reason' = 'passkey_refused'";
    assert_eq!(count(&pool, refused).await, 1);
    // The ceremony is answered once: even a good signature now needs new options.
    let late = key.get(&fresh["options"], ORIGIN);
    assert_eq!(offer(&pool, &next, &late).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, renewed) = sign_in_options(&pool, &next).await;
    // Signed for another site (a phishing page relaying the challenge): refused.
    let phished = key.get(&renewed["options"], "https://roster.example.net");
    assert_eq!(offer(&pool, &next, &phished).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, renewed) = sign_in_options(&pool, &next).await;
    let good = key.get(&renewed["options"], ORIGIN);
    assert_eq!(offer(&pool, &next, &good).await.0, StatusCode::OK);
    // A copy of the key whose signature counter lags behind (a cloned authenticator): refused.
    let mut clone = SoftKey { key: key.key.clone(), id: key.id.clone(), counter: 1 };
    let cloned = challenge(&pool, "ada").await;
    let (_, options) = sign_in_options(&pool, &cloned).await;
    let copied = clone.get(&options["options"], ORIGIN);
    assert_eq!(offer(&pool, &cloned, &copied).await.0, StatusCode::UNPROCESSABLE_ENTITY);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn one_accounts_passkey_does_not_sign_in_another(pool: PgPool) {
    acme_with_ada(&pool).await;
    add_user(&pool, "acme", "Bob", "Byte", "bob", "agent").await;
    let ada = cookie_for(&pool, "acme", "ada", GOOD).await;
    let bob = cookie_for(&pool, "acme", "bob", GOOD).await;
    let (mut ada_key, mut bob_key) = (SoftKey::new(), SoftKey::new());
    assert_eq!(register(&pool, &ada, &mut ada_key).await.0, StatusCode::OK);
    assert_eq!(register(&pool, &bob, &mut bob_key).await.0, StatusCode::OK);

    // Bob signs a challenge issued for Ada's sign-in with his own key.
    let waiting = challenge(&pool, "ada").await;
    let (_, asked) = sign_in_options(&pool, &waiting).await;
    let ids: Vec<&Value> =
        asked["options"]["allowCredentials"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
    assert_eq!(ids, [&json!(B64.encode(&ada_key.id))], "only Ada's keys are offered");
    let forged = bob_key.get(&asked["options"], ORIGIN);
    let (status, _, session) = offer(&pool, &waiting, &forged).await;
    assert_eq!((status, session), (StatusCode::UNPROCESSABLE_ENTITY, None));
    // Bob's key under Ada's credential id: the signature does not verify with her public key.
    let (_, asked) = sign_in_options(&pool, &waiting).await;
    let mut impostor = SoftKey { id: ada_key.id.clone(), ..SoftKey::new() };
    let forged = impostor.get(&asked["options"], ORIGIN);
    assert_eq!(offer(&pool, &waiting, &forged).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // Bob registering Ada's key id as his own (with his key) is refused: it is taken.
    let (status, started) =
        call(&pool, "POST", "/api/v1/me/second-factors/passkey", &bob, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let mut copy = SoftKey { id: ada_key.id.clone(), ..SoftKey::new() };
    let made = copy.create(&started["options"], ORIGIN);
    let (status, body) = confirm(&pool, &bob, &started, made).await;
    assert_eq!(
        (status, &body["fields"]["credential"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!(["key_registered"])),
        "{body}"
    );
    // Ada's registration cannot be confirmed from Bob's session.
    let (_, hers) = call(&pool, "POST", "/api/v1/me/second-factors/passkey", &ada, None).await;
    let made = SoftKey::new().create(&hers["options"], ORIGIN);
    assert_eq!(confirm(&pool, &bob, &hers, made).await.0, StatusCode::NOT_FOUND);

    // Without a passkey there are no options; a stale registration expires.
    add_user(&pool, "acme", "Cy", "Clock", "cy", "agent").await;
    let cy = cookie_for(&pool, "acme", "cy", GOOD).await;
    let (_, started) = call(&pool, "POST", "/api/v1/me/second-factors/passkey", &cy, None).await;
    sqlx::query("update second_factors set created_at = now() - interval '11 minutes' where confirmed_at is null")
        .execute(&mut arrange(&pool).await)
        .await
        .unwrap();
    let made = SoftKey::new().create(&started["options"], ORIGIN);
    assert_eq!(confirm(&pool, &cy, &started, made).await.0, StatusCode::NOT_FOUND);
    let (_, mine) = call(&pool, "GET", "/api/v1/me/second-factors", &cy, None).await;
    assert_eq!(mine["factors"], json!([]));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_account_without_a_passkey_is_offered_none(pool: PgPool) {
    acme_with_ada(&pool).await;
    let cookie = cookie_for(&pool, "acme", "ada", GOOD).await;
    crate::enrol_totp(&pool, &cookie).await;
    let waiting = challenge(&pool, "ada").await;
    let (status, body) = sign_in_options(&pool, &waiting).await;
    assert_eq!((status, &body["error"]), (StatusCode::CONFLICT, &json!("conflict")), "{body}");
    // Without a waiting sign-in, nothing.
    let (status, _) = sign_in_options(&pool, "roster_sign_in=forged").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
