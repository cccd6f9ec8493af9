use super::*;
use crate::error::FieldCode;
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn fields() -> UserFields {
    UserFields {
        first_name: "Grace".into(),
        last_name: "Hopper".into(),
        email: "grace@acme.test".into(),
        username: "grace".into(),
        ..UserFields::default()
    }
}

fn form() -> NewUserForm {
    NewUserForm {
        fields: fields(),
        user_type: "agent".into(),
        status: "active".into(),
        password: PasswordChoice::Generate,
        must_change_password: false,
    }
}

fn codes(errors: &FieldErrors) -> Vec<(&str, &str)> {
    errors.iter().flat_map(|(k, v)| v.iter().map(move |c| (k.as_str(), c.as_str()))).collect()
}

#[test]
fn a_minimal_form_is_accepted_and_generated_passwords_must_change() {
    let user = form().validate(now()).unwrap();
    assert_eq!(user.user_type, UserType::Agent);
    assert_eq!(user.status, UserStatus::Active);
    assert!(user.must_change_password, "forced on for a generated password");
    assert_eq!(user.profile.timezone, None, "blank means the tenant's default");
    assert!(user.profile.console_access);
}

#[test]
fn every_bad_field_is_reported_at_once() {
    let bad = NewUserForm {
        fields: UserFields {
            first_name: " ".into(),
            last_name: "x".repeat(101),
            email: "grace".into(),
            username: "g".into(),
            phone: Some("555-0100".into()),
            external_id: Some("has space".into()),
            employee_code: Some("y".repeat(65)),
            timezone: Some("Moon/Base".into()),
            position: Some("p".repeat(101)),
            tags: vec!["t".repeat(41)],
            working_hours: [("mon".to_string(), vec![["17:00".to_string(), "09:00".to_string()]])]
                .into(),
            expires_at: Some("2020-01-01".into()),
            console_access: true,
            ..UserFields::default()
        },
        user_type: "service".into(),
        status: "deleted".into(),
        password: PasswordChoice::Set { password: Password::new("grace") },
        must_change_password: false,
    };
    let errors = bad.validate(now()).unwrap_err();
    assert_eq!(
        codes(&errors),
        [
            ("console_access", "service_account"),
            ("email", "format"),
            ("employee_code", "too_long"),
            ("expires_at", "past"),
            ("external_id", "spaces"),
            ("first_name", "required"),
            ("last_name", "too_long"),
            ("password", "too_short"),
            ("phone", "phone_format"),
            ("position", "too_long"),
            ("status", "unknown"),
            ("tags", "tag_too_long"),
            ("timezone", "unknown_timezone"),
            ("username", "length"),
            ("working_hours", "order"),
        ]
    );
}

#[test]
fn user_types_and_passwords() {
    let missing = NewUserForm { user_type: String::new(), ..form() };
    assert_eq!(codes(&missing.validate(now()).unwrap_err()), [("user_type", "required")]);
    let unknown = NewUserForm { user_type: "superuser".into(), ..form() };
    assert_eq!(codes(&unknown.validate(now()).unwrap_err()), [("user_type", "unknown")]);
    let own_name = NewUserForm {
        password: PasswordChoice::Set { password: Password::new("grace@acme.test") },
        ..form()
    };
    assert_eq!(codes(&own_name.validate(now()).unwrap_err()), [("password", "same_as_identity")]);
    let chosen = NewUserForm {
        password: PasswordChoice::Set { password: Password::new("a long and unusual passphrase") },
        ..form()
    };
    assert!(!chosen.validate(now()).unwrap().must_change_password, "may be left off when set");
}

#[test]
fn expiry_dates() {
    let day = |s: &str| expiry(Some(s), now(), None);
    assert_eq!(
        day("2027-01-31").unwrap(),
        Some(Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap())
    );
    assert_eq!(
        day("2026-11-24T08:30:00+01:00").unwrap(),
        Some(Utc.with_ymd_and_hms(2026, 11, 24, 7, 30, 0).unwrap())
    );
    assert_eq!(day(" "), Ok(None));
    assert_eq!(day("2026-11-23"), Err(FieldCode::Past), "today at 00:00 has passed");
    assert_eq!(day("31/01/2027"), Err(FieldCode::DateFormat));
    let kept = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    assert_eq!(
        expiry(Some("2026-01-01"), now(), Some(kept)),
        Ok(Some(kept)),
        "an old expiry may stay"
    );
    assert_eq!(expiry_date(kept), "2026-01-01");
    let kept = Utc.with_ymd_and_hms(2026, 11, 23, 9, 15, 0).unwrap();
    assert_eq!(
        expiry(Some("2026-11-23"), now(), Some(kept)),
        Ok(Some(kept)),
        "its date keeps the instant"
    );
}

#[test]
fn roles_are_deduplicated_and_the_wire_shape_has_defaults() {
    let role = Uuid::from_u128(7);
    let edited = UserFields { roles: vec![role, role], ..fields() };
    assert_eq!(edited.validate(now(), None).unwrap().roles, [role]);
    let json = r#"{"first_name":"Grace","last_name":"Hopper","email":"grace@acme.test",
                  "username":"grace","user_type":"agent","password":{"mode":"generate"}}"#;
    let parsed: NewUserForm = serde_json::from_str(json).unwrap();
    assert_eq!(parsed, NewUserForm { must_change_password: true, ..form() });
    let set: PasswordChoice =
        serde_json::from_str(r#"{"mode":"set","password":"correct horse battery staple"}"#)
            .unwrap();
    assert!(matches!(set, PasswordChoice::Set { .. }));
}

proptest! {
    #[test]
    fn generated_valid_people_are_accepted(
        first in "[A-Za-zÀ-ÿ][a-zà-ÿ' -]{0,30}",
        last in "[A-Za-zÀ-ÿ][a-zà-ÿ' -]{0,30}",
        user in "[a-z][a-z0-9._-]{1,20}",
        domain in "[a-z]{2,12}\\.[a-z]{2,5}",
    ) {
        let email = user.clone() + "@" + &domain;
        let candidate = UserFields { first_name: first, last_name: last, email, username: user, ..fields() };
        prop_assert!(candidate.validate(now(), None).is_ok());
    }

    #[test]
    fn arbitrary_input_never_panics_and_accepted_names_are_trimmed(
        first in "\\PC{0,120}",
        email in "\\PC{0,40}",
        phone in "\\PC{0,20}",
        tz in "\\PC{0,20}",
    ) {
        let candidate = UserFields { first_name: first, email, phone: Some(phone), timezone: Some(tz), ..fields() };
        if let Ok(profile) = candidate.validate(now(), None) {
            prop_assert_eq!(profile.first_name.trim(), profile.first_name.as_str());
            prop_assert!(!profile.first_name.is_empty());
        }
    }
}
