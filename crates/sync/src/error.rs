//! Sync errors: what went wrong talking to a provider, in words a user can act on.

use std::time::Duration;

/// A failure of one request or one source's sync. Never carries a token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The provider could not be reached (DNS, refused, reset, dropped mid-response).
    #[error("cannot reach {provider}: {detail}")]
    Network {
        provider: &'static str,
        detail: String,
    },

    /// The provider did not answer in time.
    #[error("{provider} did not answer in time")]
    Timeout { provider: &'static str },

    /// The provider keeps asking us to slow down.
    #[error("{provider} is rate limiting requests; try again in {}", human(*retry_after))]
    RateLimited {
        provider: &'static str,
        retry_after: Duration,
    },

    /// The credentials were refused even after a refresh.
    #[error("{provider} refused the account's credentials; reconnect the account")]
    Unauthorized { provider: &'static str },

    /// The refresh token is no longer valid: the user must reconnect.
    #[error("{provider} access was revoked or expired; reconnect the account")]
    ReconnectNeeded { provider: &'static str },

    /// The provider no longer knows our sync cursor; a full sync follows.
    #[error("{provider} asked for a full sync")]
    CursorExpired { provider: &'static str },

    /// The calendar or project is gone at the provider.
    #[error("{provider} no longer has this {what}")]
    SourceGone {
        provider: &'static str,
        what: &'static str,
    },

    /// Any other HTTP error status.
    #[error("{provider} answered {status}: {message}")]
    Http {
        provider: &'static str,
        status: u16,
        message: String,
    },

    /// A response that is not what the provider documents.
    #[error("{provider} sent a response Vica cannot read: {detail}")]
    Malformed {
        provider: &'static str,
        detail: String,
    },

    /// No access token is available for the account.
    #[error("no credentials for this {provider} account: {detail}")]
    Credentials {
        provider: &'static str,
        detail: String,
    },

    /// An ICS calendar's location or contents cannot be used.
    #[error("ICS calendar: {0}")]
    Ics(#[from] crate::ics::IcsError),

    /// The local store failed.
    #[error(transparent)]
    Store(#[from] vica_core::Error),

    /// Writing to the store was interrupted (the app is shutting down).
    #[error("the sync was interrupted")]
    Interrupted,

    /// The OS keychain is missing, locked or failed (see [`crate::secrets`]).
    #[error(transparent)]
    Keychain(#[from] crate::secrets::SecretError),

    /// No OAuth client is configured for the provider (or its settings are invalid).
    #[error(
        "{provider} is not set up for connecting accounts: {detail}. docs/oauth-setup.md explains how to register a client and where to put its id"
    )]
    NotConfigured {
        provider: &'static str,
        detail: String,
    },

    /// The user said no on the provider's consent page.
    #[error("{provider} access was not granted (the consent page was declined); nothing was saved")]
    ConsentDenied { provider: &'static str },

    /// The browser's answer could not be trusted or used (wrong `state`, an
    /// error from the provider, no code).
    #[error("connecting {provider} failed: {detail}; nothing was saved")]
    AuthorizationFailed {
        provider: &'static str,
        detail: String,
    },

    /// Nobody finished signing in within the time allowed.
    #[error("no answer from the browser within {}; nothing was saved, try connecting {provider} again", human(*waited))]
    AuthorizationTimeout {
        provider: &'static str,
        waited: Duration,
    },

    /// A sign-in brought an access token that expires and nothing to renew
    /// it with (no refresh token, and none stored for the account): the
    /// account would stop syncing within the hour. `provider` is the
    /// identity provider's name ("Google").
    #[error(
        "{provider} did not grant offline access: the sign-in brought no refresh token, so Vica could not sync once the access token expires; nothing was saved. Connect again and allow access"
    )]
    OfflineAccessNotGranted { provider: &'static str },

    /// The user left a box Vica needs unticked on the provider's consent
    /// screen: the token response's `scope` lacks it. `provider` is the
    /// identity provider's name ("Google").
    #[error(
        "{provider} did not grant {what} (its box was left unticked on the consent screen), and Vica cannot work without it; nothing was saved. Connect again and allow it"
    )]
    ScopeNotGranted {
        provider: &'static str,
        /// "access to your calendars".
        what: &'static str,
    },

    /// At sync, the provider refused a request because the account's grant
    /// lacks a scope (Google's 403 `insufficientPermissions`, RFC 6750's
    /// `insufficient_scope`): reconnecting and allowing it is the way out.
    #[error(
        "{provider} refused: this account's sign-in lacks a permission Vica needs ({message}); reconnect the account and allow everything Vica asks for (read-only access to its calendars or tasks)"
    )]
    ScopeMissing {
        provider: &'static str,
        /// The provider's own words.
        message: String,
    },

    /// The provider's token endpoint refused a request (RFC 6749 §5.2 error code).
    #[error("{provider} refused the sign-in: {code}{}", .detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenRefused {
        provider: &'static str,
        code: String,
        detail: Option<String>,
    },
}

impl SyncError {
    /// Whether only the user can fix this, by connecting the account again:
    /// its credentials are refused or revoked, or its grant lacks a scope.
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            SyncError::Unauthorized { .. }
                | SyncError::ReconnectNeeded { .. }
                | SyncError::ScopeMissing { .. }
        )
    }

    /// Whether the provider could not be reached at all (no network, no
    /// answer in time): what the app shows as "Offline".
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Network { .. } | SyncError::Timeout { .. })
    }

    /// Whether trying the same request again may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SyncError::Network { .. } | SyncError::Timeout { .. } | SyncError::RateLimited { .. }
        ) || matches!(self, SyncError::Http { status, .. } if *status >= 500)
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 120 {
        format!("{} minutes", s.div_ceil(60))
    } else {
        format!("{s} seconds")
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
