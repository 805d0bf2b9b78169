//! The scopes a grant must hold for Vica to work, checked against what the
//! provider says it granted.
//!
//! Google's consent screen lets the user untick a scope (granular consent):
//! the sign-in then succeeds, and the token response's `scope` leaves out
//! what was not granted. Without calendar access every sync would fail with a
//! 403, so such a grant is refused at sign-in. A token response without
//! `scope` granted what was asked for (RFC 6749 §5.1): Todoist's has none.
//!
//! Providers spell scopes their own way in what they grant: Google names
//! `email` by its URL, Microsoft may prefix Graph's scopes with
//! `https://graph.microsoft.com/` and matches them without regard to case,
//! Todoist separates them with commas. Only the scopes below are checked;
//! the others (`openid`, `email`, `User.Read`) only name the account.

use vica_core::model::Provider;

use crate::error::{Result, SyncError};

/// A scope Vica cannot work without.
struct Needed {
    /// Any of these grants it (lowercase): the read-only scope Vica asks
    /// for, or a wider one the user may have granted before.
    accepted: &'static [&'static str],
    /// What it gives, for the message: "access to your calendars".
    what: &'static str,
}

fn needed(provider: Provider) -> &'static [Needed] {
    match provider {
        Provider::Google => &[Needed {
            accepted: &[
                "https://www.googleapis.com/auth/calendar.readonly",
                "https://www.googleapis.com/auth/calendar",
            ],
            what: "access to your calendars",
        }],
        Provider::Microsoft => &[Needed {
            accepted: &["calendars.read", "calendars.readwrite"],
            what: "access to your calendars",
        }],
        Provider::Todoist => &[Needed {
            accepted: &["data:read", "data:read_write"],
            what: "access to your tasks",
        }],
        Provider::Ics => &[],
    }
}

/// The name of the provider's sign-in, for messages: "Google", not "Google Calendar".
pub fn identity_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "Google",
        Provider::Microsoft => "Microsoft",
        Provider::Todoist => "Todoist",
        Provider::Ics => "ICS calendar",
    }
}

/// One granted scope as the list above spells it.
fn normalized(scope: &str) -> String {
    let scope = scope.to_ascii_lowercase();
    match scope.strip_prefix("https://graph.microsoft.com/") {
        Some(rest) => rest.to_owned(),
        None => scope,
    }
}

/// Checks that `granted` (the token response's scopes, or what was asked
/// for when it said nothing) holds every scope Vica needs from `provider`;
/// [`SyncError::ScopeNotGranted`] names the first that is missing.
pub fn check_granted(provider: Provider, granted: &[String]) -> Result<()> {
    let granted: Vec<String> = granted
        .iter()
        .flat_map(|s| s.split(|c: char| c == ',' || c.is_whitespace()))
        .filter(|s| !s.is_empty())
        .map(normalized)
        .collect();
    match needed(provider)
        .iter()
        .find(|n| !n.accepted.iter().any(|a| granted.iter().any(|g| g == a)))
    {
        Some(missing) => Err(SyncError::ScopeNotGranted {
            provider: identity_name(provider),
            what: missing.what,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(provider: Provider, granted: &[&str]) -> Result<()> {
        let granted: Vec<String> = granted.iter().map(|s| (*s).to_owned()).collect();
        check_granted(provider, &granted)
    }

    #[test]
    fn google_needs_a_calendar_scope() {
        let readonly = "https://www.googleapis.com/auth/calendar.readonly";
        assert!(
            check(
                Provider::Google,
                &[
                    readonly,
                    "openid",
                    "https://www.googleapis.com/auth/userinfo.email"
                ]
            )
            .is_ok()
        );
        // A wider grant from before will do.
        assert!(
            check(
                Provider::Google,
                &["https://www.googleapis.com/auth/calendar"]
            )
            .is_ok()
        );
        // The events-only scope cannot list calendars.
        let err = check(
            Provider::Google,
            &[
                "openid",
                "https://www.googleapis.com/auth/userinfo.email",
                "https://www.googleapis.com/auth/calendar.events.readonly",
            ],
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                SyncError::ScopeNotGranted {
                    provider: "Google",
                    what: "access to your calendars"
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("nothing was saved"), "{err}");
        assert!(check(Provider::Google, &[]).is_err());
    }

    #[test]
    fn microsoft_scopes_match_with_their_prefix_and_any_case() {
        assert!(
            check(
                Provider::Microsoft,
                &["https://graph.microsoft.com/Calendars.Read https://graph.microsoft.com/User.Read"]
            )
            .is_ok()
        );
        assert!(check(Provider::Microsoft, &["calendars.read", "offline_access"]).is_ok());
        assert!(check(Provider::Microsoft, &["User.Read", "offline_access"]).is_err());
    }

    #[test]
    fn todoist_scopes_may_come_comma_separated() {
        assert!(check(Provider::Todoist, &["task:add,data:read"]).is_ok());
        assert!(check(Provider::Todoist, &["task:add"]).is_err());
        assert!(check(Provider::Ics, &[]).is_ok());
    }
}
