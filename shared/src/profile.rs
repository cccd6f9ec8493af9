//! The values of a user's profile beyond their identity: phone, timezone, free-text attributes,
//! identifiers from other systems, tags and working hours. Each check returns a stable error code
//! that forms show under the field.

use crate::error::{FieldCode, holds_control};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A phone number in E.164 form (`+14155550123`), stored without spaces.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// The number in E.164 form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = FieldCode;

    /// Accepts the usual separators (`+44 20 7946-0958`, `+1 (415) 555 0123`) and drops them.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let number: String =
            value.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.')).collect();
        let digits = number.strip_prefix('+').ok_or(FieldCode::PhoneFormat)?;
        let well_formed = (7..=15).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0');
        if well_formed { Ok(Self(number)) } else { Err(FieldCode::PhoneFormat) }
    }
}

impl From<Phone> for String {
    fn from(phone: Phone) -> Self {
        phone.0
    }
}

/// A country as offered by the phone input: ISO code, calling code and name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country {
    pub iso: &'static str,
    pub calling_code: &'static str,
    pub name: &'static str,
}

/// Every country with its calling code, sorted by name (from the IANA tz `iso3166.tab` and
/// libphonenumber's metadata).
pub fn countries() -> impl Iterator<Item = Country> {
    include_str!("../data/countries.tsv").lines().filter_map(|line| {
        let mut parts = line.split('\t');
        Some(Country { iso: parts.next()?, calling_code: parts.next()?, name: parts.next()? })
    })
}

/// An IANA timezone name (`Europe/Oslo`), one of the canonical zones of `zone.tab`, or `UTC`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Timezone(String);

impl Timezone {
    /// Every accepted name, sorted.
    pub fn names() -> impl Iterator<Item = &'static str> {
        include_str!("../data/timezones.txt").lines()
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Timezone {
    type Error = FieldCode;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let name = value.trim();
        if Self::names().any(|known| known == name) {
            Ok(Self(name.to_owned()))
        } else {
            Err(FieldCode::UnknownTimezone)
        }
    }
}

impl From<Timezone> for String {
    fn from(zone: Timezone) -> Self {
        zone.0
    }
}

/// Longest free-text attribute (position, department, location, branch).
pub const MAX_TEXT_CHARS: usize = 100;
/// Longest identifier from another system (external ID, employee code).
pub const MAX_IDENTIFIER_CHARS: usize = 64;
/// Most tags on one user.
pub const MAX_TAGS: usize = 20;
/// Longest tag.
pub const MAX_TAG_CHARS: usize = 40;
/// Largest photo upload, in bytes (2 MiB).
pub const MAX_AVATAR_BYTES: usize = 2 * 1024 * 1024;
/// [`MAX_AVATAR_BYTES`] as people read it.
pub fn max_avatar_size() -> String {
    format!("{} MiB", MAX_AVATAR_BYTES / (1024 * 1024))
}

/// An optional free-text attribute: trimmed, empty means none.
pub fn optional_text(value: Option<&str>) -> Result<Option<String>, FieldCode> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > MAX_TEXT_CHARS => Err(FieldCode::TooLong),
        Some(v) if holds_control(v) => Err(FieldCode::ControlCharacters),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// An optional identifier from another system: trimmed, no spaces or control characters.
pub fn optional_identifier(value: Option<&str>) -> Result<Option<String>, FieldCode> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > MAX_IDENTIFIER_CHARS => Err(FieldCode::TooLong),
        Some(v) if v.chars().any(|c| c.is_whitespace() || c.is_control()) => Err(FieldCode::Spaces),
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// Tags: trimmed, blanks dropped, duplicates (ignoring case) dropped, order kept.
pub fn tags(values: &[String]) -> Result<Vec<String>, FieldCode> {
    let mut kept: Vec<String> = Vec::new();
    for tag in values.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if tag.chars().count() > MAX_TAG_CHARS || tag.chars().any(char::is_control) {
            return Err(FieldCode::TagTooLong);
        }
        if !kept.iter().any(|k| k.to_lowercase() == tag.to_lowercase()) {
            kept.push(tag.to_owned());
        }
    }
    if kept.len() > MAX_TAGS { Err(FieldCode::TooMany) } else { Ok(kept) }
}

/// The days of [`WorkingHours`], in order.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// A weekly schedule: day (`mon`…`sun`) → shifts as `["09:00", "17:00"]` pairs. Days off are
/// absent.
pub type WorkingHours = BTreeMap<String, Vec<[String; 2]>>;

/// Checks a schedule: known days, `HH:MM` times, each shift ending after it starts, shifts in
/// order without overlap, at most four a day. Days without shifts are dropped.
pub fn working_hours(hours: &WorkingHours) -> Result<WorkingHours, FieldCode> {
    let mut checked = WorkingHours::new();
    for (day, shifts) in hours {
        if !WEEKDAYS.iter().any(|(key, _)| key == day) {
            return Err(FieldCode::UnknownDay);
        }
        if shifts.len() > 4 {
            return Err(FieldCode::TooMany);
        }
        let mut last_end = None;
        for [start, end] in shifts {
            let (start, end) = (minutes(start)?, minutes(end)?);
            if start >= end || last_end.is_some_and(|last| start < last) {
                return Err(FieldCode::Order);
            }
            last_end = Some(end);
        }
        if !shifts.is_empty() {
            checked.insert(day.clone(), shifts.clone());
        }
    }
    Ok(checked)
}

/// Minutes since midnight of an `HH:MM` time (`24:00` allowed as the end of a day).
fn minutes(time: &str) -> Result<u16, FieldCode> {
    let (h, m) = time.split_once(':').ok_or(FieldCode::TimeFormat)?;
    let two_digits = |s: &str| s.len() == 2 && s.chars().all(|c| c.is_ascii_digit());
    if !two_digits(h) || !two_digits(m) {
        return Err(FieldCode::TimeFormat);
    }
    let (h, m): (u16, u16) = (
        h.parse().map_err(|_| FieldCode::TimeFormat)?,
        m.parse().map_err(|_| FieldCode::TimeFormat)?,
    );
    if m > 59 || h > 24 || (h == 24 && m > 0) { Err(FieldCode::TimeFormat) } else { Ok(h * 60 + m) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones() {
        for (typed, stored) in [
            ("+14155550123", "+14155550123"),
            ("+44 20 7946-0958", "+442079460958"),
            ("+1 (415) 555.0123", "+14155550123"),
        ] {
            assert_eq!(Phone::try_from(typed.to_string()).unwrap().as_str(), stored);
        }
        for bad in
            ["", "4155550123", "+0123456789", "+12345", "+1234567890123456", "+1 415 CALL ME"]
        {
            assert_eq!(Phone::try_from(bad.to_string()), Err(FieldCode::PhoneFormat), "{bad:?}");
        }
    }

    #[test]
    fn countries_and_timezones_are_loaded() {
        let norway = countries().find(|c| c.iso == "NO").unwrap();
        assert_eq!((norway.calling_code, norway.name), ("47", "Norway"));
        assert!(countries().count() > 200);
        assert!(Timezone::try_from(" Europe/Oslo ".to_string()).is_ok());
        assert!(Timezone::try_from("UTC".to_string()).is_ok());
        assert_eq!(Timezone::try_from("Mars/Olympus".to_string()), Err(FieldCode::UnknownTimezone));
        assert_eq!(Timezone::try_from(String::new()), Err(FieldCode::UnknownTimezone));
    }

    #[test]
    fn texts_identifiers_and_tags() {
        assert_eq!(optional_text(Some("  Sales ")), Ok(Some("Sales".into())));
        assert_eq!(optional_text(Some("   ")), Ok(None));
        assert_eq!(optional_text(None), Ok(None));
        assert_eq!(optional_text(Some(&"x".repeat(101))), Err(FieldCode::TooLong));
        assert_eq!(optional_text(Some("Sa\0les")), Err(FieldCode::ControlCharacters));
        assert_eq!(optional_identifier(Some(" E-1001 ")), Ok(Some("E-1001".into())));
        assert_eq!(optional_identifier(Some("E 1001")), Err(FieldCode::Spaces));
        assert_eq!(optional_identifier(Some(&"x".repeat(65))), Err(FieldCode::TooLong));
        let typed = ["vip", " VIP", "", "night shift"].map(String::from);
        assert_eq!(tags(&typed), Ok(vec!["vip".to_string(), "night shift".to_string()]));
        assert_eq!(tags(&["x".repeat(41)]), Err(FieldCode::TagTooLong));
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        assert_eq!(tags(&many), Err(FieldCode::TooMany));
    }

    type Day<'a> = (&'a str, &'a [[&'a str; 2]]);

    fn schedule(entries: &[Day]) -> WorkingHours {
        entries
            .iter()
            .map(|(day, shifts)| {
                (
                    day.to_string(),
                    shifts.iter().map(|[a, b]| [a.to_string(), b.to_string()]).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn working_hours_table() {
        let good = schedule(&[("mon", &[["09:00", "12:00"], ["13:00", "17:30"]]), ("sun", &[])]);
        assert_eq!(
            working_hours(&good),
            Ok(schedule(&[("mon", &[["09:00", "12:00"], ["13:00", "17:30"]])]))
        );
        assert!(working_hours(&schedule(&[("fri", &[["22:00", "24:00"]])])).is_ok());
        let table: [(&[Day], &str); 6] = [
            (&[("funday", &[["09:00", "17:00"]])], "unknown_day"),
            (&[("mon", &[["9:00", "17:00"]])], "time_format"),
            (&[("mon", &[["09:60", "17:00"]])], "time_format"),
            (&[("mon", &[["17:00", "09:00"]])], "order"),
            (&[("mon", &[["09:00", "13:00"], ["12:00", "17:00"]])], "order"),
            (
                &[(
                    "mon",
                    &[
                        ["00:00", "01:00"],
                        ["02:00", "03:00"],
                        ["04:00", "05:00"],
                        ["06:00", "07:00"],
                        ["08:00", "09:00"],
                    ],
                )],
                "too_many",
            ),
        ];
        for (entries, code) in table {
            let refused = working_hours(&schedule(entries)).map_err(FieldCode::as_str);
            assert_eq!(refused, Err(code), "{entries:?}");
        }
    }

    proptest! {
        #[test]
        fn accepted_phones_are_e164(s in "\\+?[0-9 ()-]{0,20}") {
            if let Ok(phone) = Phone::try_from(s) {
                let digits = &phone.as_str()[1..];
                prop_assert!(phone.as_str().starts_with('+'));
                prop_assert!((7..=15).contains(&digits.len()));
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()));
            }
        }

        #[test]
        fn accepted_tags_are_few_short_and_distinct(values in proptest::collection::vec("\\PC{0,45}", 0..25)) {
            if let Ok(kept) = tags(&values) {
                prop_assert!(kept.len() <= MAX_TAGS);
                let lower: std::collections::BTreeSet<String> = kept.iter().map(|t| t.to_lowercase()).collect();
                prop_assert_eq!(lower.len(), kept.len());
                prop_assert!(kept.iter().all(|t| !t.is_empty() && t.trim() == t));
            }
        }

        #[test]
        fn shifts_in_order_are_accepted(a in 0u16..600, b in 1u16..600, c in 1u16..200) {
            let hhmm = |m: u16| [m / 60, m % 60].map(|n| if n < 10 { "0".to_string() + &n.to_string() } else { n.to_string() }).join(":");
            let (start, mid, end) = (a, a + b, (a + b + c).min(1440));
            prop_assume!(mid < end);
            let hours = schedule(&[("tue", &[[&hhmm(start), &hhmm(mid)], [&hhmm(mid), &hhmm(end)]])]);
            prop_assert!(working_hours(&hours).is_ok());
        }
    }
}
