//! Teams (`/api/v1/teams`, the Teams pages): a name, a description, an optional default role
//! every member inherits, members added by hand, and membership rules that add and remove
//! members by their profile.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::account::{RoleRef, UserRef};
use crate::error::{Check, FieldCode, FieldErrors};
use crate::user::UserType;

/// The longest team name.
pub const MAX_NAME: usize = 80;
/// The longest description.
pub const MAX_DESCRIPTION: usize = 300;
/// The most conditions one rule may have.
pub const MAX_CONDITIONS: usize = 20;

/// A profile field a rule can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleField {
    Department,
    Location,
    Position,
    Branch,
    /// One of the user's tags.
    Tag,
    UserType,
}

impl RuleField {
    pub const ALL: [Self; 6] =
        [Self::Department, Self::Location, Self::Position, Self::Branch, Self::Tag, Self::UserType];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Department => "department",
            Self::Location => "location",
            Self::Position => "position",
            Self::Branch => "branch",
            Self::Tag => "tag",
            Self::UserType => "user_type",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Department => "Department",
            Self::Location => "Location",
            Self::Position => "Position",
            Self::Branch => "Branch",
            Self::Tag => "Tag",
            Self::UserType => "User type",
        }
    }
}

/// How a condition compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleOp {
    /// Equals the one value (ignoring case).
    #[default]
    Eq,
    /// Is one of the values (ignoring case).
    In,
}

/// One test of a user's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Condition {
    pub field: RuleField,
    #[serde(default)]
    pub op: RuleOp,
    pub values: Vec<String>,
}

/// Whether every condition must hold, or any one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Match {
    #[default]
    All,
    Any,
}

/// A team's membership rule: users whose profile passes it are members (source `rule`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rules {
    #[serde(rename = "match", default)]
    pub mode: Match,
    pub conditions: Vec<Condition>,
}

impl Rules {
    /// "Department is Sales and Tag is one of night, weekend".
    pub fn describe(&self) -> String {
        let joiner = match self.mode {
            Match::All => " and ",
            Match::Any => " or ",
        };
        self.conditions
            .iter()
            .map(|c| match c.op {
                RuleOp::Eq => format!("{} is {}", c.field.label(), c.values.join("")),
                RuleOp::In => format!("{} is one of {}", c.field.label(), c.values.join(", ")),
            })
            .collect::<Vec<_>>()
            .join(joiner)
    }
}

/// The progress of a rule change applied in the background (large tenants).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleRun {
    /// Users to look at, and looked at so far.
    pub total: i64,
    pub done: i64,
    pub added: i64,
    pub removed: i64,
    pub finished: bool,
}

/// A team of the tenant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub default_role: Option<RoleRef>,
    pub rules: Option<Rules>,
    pub members: i64,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
    /// The latest background application of the rule, if there was one.
    #[serde(default)]
    pub run: Option<RuleRun>,
}

/// Creating a team, or the new state of one (`PATCH` adds `version`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub default_role_id: Option<Uuid>,
    /// None, or no conditions: members are added by hand only.
    #[serde(default)]
    pub rules: Option<Rules>,
}

/// A checked [`TeamForm`]: texts trimmed, rule values trimmed and never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidTeam {
    pub name: String,
    pub description: String,
    pub default_role_id: Option<Uuid>,
    pub rules: Option<Rules>,
}

impl TeamForm {
    /// Checks every field; the errors name the field at fault (`rules` for the rule).
    pub fn validate(&self) -> Result<ValidTeam, FieldErrors> {
        let mut check = Check::default();
        let name = check.text("name", &self.name, true, MAX_NAME);
        let description = check.text("description", &self.description, false, MAX_DESCRIPTION);
        let rules = self.rules.as_ref().filter(|r| !r.conditions.is_empty()).map(|r| {
            if r.conditions.len() > MAX_CONDITIONS {
                check.add("rules", FieldCode::TooMany);
            }
            let conditions = r
                .conditions
                .iter()
                .map(|c| {
                    let values: Vec<String> = c
                        .values
                        .iter()
                        .map(|v| v.trim().to_owned())
                        .filter(|v| !v.is_empty())
                        .collect();
                    let fits = match c.op {
                        RuleOp::Eq => values.len() == 1,
                        RuleOp::In => !values.is_empty(),
                    };
                    if !fits {
                        check.add("rules", FieldCode::Values);
                    }
                    if c.field == RuleField::UserType
                        && values.iter().any(|v| v.parse::<UserType>().is_err())
                    {
                        check.add("rules", FieldCode::UnknownUserType);
                    }
                    Condition { field: c.field, op: c.op, values }
                })
                .collect();
            Rules { mode: r.mode, conditions }
        });
        check.finish(ValidTeam { name, description, default_role_id: self.default_role_id, rules })
    }

    /// The form of an existing team (for editing it).
    pub fn of(team: &Team) -> Self {
        Self {
            name: team.name.clone(),
            description: team.description.clone(),
            default_role_id: team.default_role.as_ref().map(|r| r.id),
            rules: team.rules.clone(),
        }
    }
}

/// `PATCH /api/v1/teams/{id}`: the whole form and the version it was read at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamUpdate {
    pub version: i64,
    #[serde(flatten)]
    pub form: TeamForm,
}

/// How a member came to be in the team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberSource {
    /// Added by hand.
    Manual,
    /// Matched the team's rule.
    Rule,
    /// A value from a newer server that this build does not know: the server never sends it
    /// and never reads it from a request.
    #[serde(other, skip_serializing)]
    Unknown,
}

/// One member of a team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    pub user: UserRef,
    pub source: MemberSource,
    pub since: DateTime<Utc>,
}

/// What saving a rule would do: who it adds and who it removes (the first names of each, and
/// the counts of all).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RulePreview {
    pub adds: Vec<UserRef>,
    pub removes: Vec<UserRef>,
    pub add_count: i64,
    pub remove_count: i64,
}

/// `POST /api/v1/teams/{id}/members`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddMember {
    pub user_id: Uuid,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn condition(field: RuleField, op: RuleOp, values: &[&str]) -> Condition {
        Condition { field, op, values: values.iter().map(|v| (*v).to_owned()).collect() }
    }

    fn form(conditions: Vec<Condition>) -> TeamForm {
        TeamForm {
            name: " Sales ".into(),
            rules: Some(Rules { mode: Match::Any, conditions }),
            ..TeamForm::default()
        }
    }

    #[test]
    fn a_good_team_is_trimmed_and_its_rule_kept() {
        let valid = form(vec![
            condition(RuleField::Department, RuleOp::Eq, &[" Sales "]),
            condition(RuleField::Tag, RuleOp::In, &["night", " ", "weekend"]),
        ])
        .validate()
        .unwrap();
        assert_eq!(valid.name, "Sales");
        let rules = valid.rules.unwrap();
        assert_eq!(rules.conditions[0].values, ["Sales"]);
        assert_eq!(rules.conditions[1].values, ["night", "weekend"]);
        assert_eq!(rules.describe(), "Department is Sales or Tag is one of night, weekend");
    }

    #[test]
    fn no_conditions_is_no_rule_and_bad_conditions_are_named() {
        assert_eq!(form(Vec::new()).validate().unwrap().rules, None);
        let two = form(vec![condition(RuleField::Branch, RuleOp::Eq, &["a", "b"])]);
        assert_eq!(two.validate().unwrap_err()["rules"], ["values"]);
        let none = form(vec![condition(RuleField::Branch, RuleOp::In, &[" "])]);
        assert_eq!(none.validate().unwrap_err()["rules"], ["values"]);
        let kind = form(vec![condition(RuleField::UserType, RuleOp::Eq, &["wizard"])]);
        assert_eq!(kind.validate().unwrap_err()["rules"], ["unknown_user_type"]);
        let blank = TeamForm { name: " ".into(), ..TeamForm::default() };
        assert_eq!(blank.validate().unwrap_err()["name"], ["required"]);
    }

    #[test]
    fn rules_read_and_write_the_stored_shape() {
        let json =
            r#"{"match":"all","conditions":[{"field":"department","op":"eq","values":["Sales"]}]}"#;
        let rules: Rules = serde_json::from_str(json).unwrap();
        assert_eq!(rules.mode, Match::All);
        assert_eq!(serde_json::to_string(&rules).unwrap(), json);
    }
}
