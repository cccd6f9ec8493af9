//! OpenAPI schemas of the types that travel as checked strings (with the `openapi` feature):
//! the derive cannot see through their `try_from = "String"`.

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::password::Password;
use crate::permission::Permission;
use crate::profile::{Phone, Timezone};
use crate::sync::UserUpsert;
use crate::tenant::TenantSlug;
use crate::user::{Email, UserStatus, UserType, Username};
use crate::user_form::PasswordChoice;
use crate::user_patch::UserPatch;

/// A string schema with a description and, when given, a format and a pattern.
fn string(description: &str, format: Option<KnownFormat>, pattern: Option<&str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .format(format.map(SchemaFormat::KnownFormat))
        .pattern(pattern)
        .into()
}

macro_rules! string_schema {
    ($($ty:ty => $description:literal, $format:expr, $pattern:expr;)*) => {$(
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                string($description, $format, $pattern)
            }
        }
        impl ToSchema for $ty {}
    )*};
}

string_schema! {
    Email => "An email address (compared ignoring case).", Some(KnownFormat::Email), None;
    Username => "Letters, digits, '.', '_' or '-' (compared ignoring case).", None,
        Some(r"^[A-Za-z0-9._-]+$");
    Phone => "A phone number in international form (+47 912 34 567).", None, None;
    Timezone => "An IANA timezone name (Europe/Oslo).", None, None;
    TenantSlug => "An organisation's short name in addresses: lower-case letters, digits and '-'.",
        None, Some(r"^[a-z0-9-]+$");
    Password => "A password, sent once and never shown again.", Some(KnownFormat::Password), None;
}

impl PartialSchema for Permission {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A permission key. A newer server may know more than these: treat others as \
                 permissions this client cannot describe.",
            ))
            .enum_values(Some(Permission::ALL.map(Permission::key)))
            .into()
    }
}

impl ToSchema for Permission {}

/// The fields of a [`UserPatch`] but `version`, and the account's keys.
impl PartialSchema for UserUpsert {
    fn schema() -> RefOr<Schema> {
        let mut upsert = match UserPatch::schema() {
            RefOr::T(Schema::Object(patch)) => patch,
            _ => Object::new(),
        };
        upsert.properties.remove("version");
        upsert.required.retain(|field| field != "version");
        upsert.description = Some(
            "The user as the other system knows them: the fields given are set, the others keep \
             their values (a new user's: their defaults); `null` clears an optional field."
                .into(),
        );
        let keys: [(&str, RefOr<Schema>); 4] = [
            ("user_type", UserType::schema()),
            ("status", UserStatus::schema()),
            ("password", PasswordChoice::schema()),
            ("must_change_password", bool::schema()),
        ];
        for (key, schema) in keys {
            upsert.properties.insert(key.to_owned(), schema);
        }
        upsert.into()
    }
}

impl ToSchema for UserUpsert {}
