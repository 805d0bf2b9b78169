//! OAuth 2.0 for a desktop app (RFC 8252): the authorization-code flow with
//! PKCE (S256) and a random `state`, a loopback redirect on `127.0.0.1`, the
//! code exchange, refresh, revocation and the account's label.
//!
//! Google's sign-in asks for `access_type=offline` and `prompt=consent`:
//! Google sends a refresh token only when its consent screen was shown, which
//! without `prompt=consent` is only the first time a user grants access to the
//! client, so a repeat sign-in (reconnecting, a second machine) would
//! otherwise bring none. What the provider granted is checked
//! ([`scopes::check_granted`]): a grant without calendar (or task) access is
//! refused before anything is saved.
//!
//! This module stores nothing: [`authorize`] returns [`Tokens`] and
//! [`crate::accounts`] decides where they go (the keychain). The HTTP client
//! used against token endpoints never follows redirects, and no error built
//! here carries a token, a code or a response body.

mod config;
mod loopback;
pub mod scopes;

use std::time::Duration;

use chrono::Utc;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, HttpClientError, PkceCodeChallenge, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, TokenResponse, TokenUrl,
};
use reqwest::{StatusCode, Url};
use vica_core::model::Provider;

pub use config::{CONFIG_FILE, DEFAULT_TODOIST_PORT, OAuthConfig, ProviderSettings, SETUP_DOC};
pub use scopes::identity_name;

use crate::error::{Result, SyncError};
use crate::secrets::{Sensitive, Tokens};
use loopback::{Callback, Loopback, WaitError};

/// How long a sign-in may take before it is abandoned.
pub const DEFAULT_AUTH_TIMEOUT: Duration = Duration::from_secs(5 * 60);

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// An HTTP client for OAuth endpoints: no redirects followed (RFC 6749 §5
/// answers are never redirects, and following one could send a code or a
/// refresh token elsewhere), a timeout per request.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("Vica/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| SyncError::Network {
            provider: "OAuth",
            detail: format!("cannot set up HTTP: {}", reqwest_detail(&e)),
        })
}

fn client(settings: &ProviderSettings, redirect_uri: Option<String>) -> Result<Client> {
    let (id, secret) = settings.require_client()?;
    let mut c = BasicClient::new(ClientId::new(id.to_owned()))
        .set_auth_uri(AuthUrl::from_url(settings.auth_url.clone()))
        .set_token_uri(TokenUrl::from_url(settings.token_url.clone()))
        // client_secret_post: what Google's desktop flow and Todoist's SDK
        // send; a public client (Microsoft) sends its id alone.
        .set_auth_type(AuthType::RequestBody);
    if let Some(secret) = secret {
        c = c.set_client_secret(ClientSecret::new(secret.expose().clone()));
    }
    if let Some(uri) = redirect_uri {
        let uri = RedirectUrl::new(uri).map_err(|e| SyncError::AuthorizationFailed {
            provider: settings.provider.display_name(),
            detail: format!("invalid loopback redirect URI ({e})"),
        })?;
        c = c.set_redirect_uri(uri);
    }
    Ok(c)
}

/// Runs the whole sign-in: binds the loopback listener, builds the
/// authorization URL (PKCE S256, random `state`), hands it to `open_url` (which
/// opens the system browser, or prints it), waits up to `timeout` for the
/// browser to come back, exchanges the code, and checks that what was
/// granted holds what Vica needs ([`SyncError::ScopeNotGranted`] if not).
/// Stores nothing.
///
/// Dropping the future abandons the attempt and closes the listener.
pub async fn authorize(
    settings: &ProviderSettings,
    timeout: Duration,
    open_url: impl FnOnce(&Url),
) -> Result<Tokens> {
    let provider = settings.provider.display_name();
    settings.require_client()?;
    let listener = Loopback::bind(settings.redirect_port, &settings.redirect_path)
        .await
        .map_err(|e| SyncError::AuthorizationFailed {
            provider,
            detail: format!(
                "cannot listen on 127.0.0.1:{} for the browser's answer ({e})",
                settings.redirect_port
            ),
        })?;
    let redirect_uri = listener.redirect_uri();
    let client = client(settings, Some(redirect_uri))?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .add_scopes(settings.scopes.iter().cloned().map(Scope::new));
    if settings.provider == Provider::Google {
        // A refresh token, so Vica can sync without asking again; Google
        // sends one only when it shows the consent screen, which `prompt=consent` asks for.
        request = request
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent");
    }
    let (url, state) = request.url();
    open_url(&url);

    let code = match listener.wait(state.secret(), timeout).await {
        Ok(Callback::Code(code)) => code,
        Ok(Callback::Error { error, .. }) if error == "access_denied" => {
            return Err(SyncError::ConsentDenied { provider });
        }
        Ok(Callback::Error { error, description }) => {
            return Err(SyncError::AuthorizationFailed {
                provider,
                detail: match description {
                    Some(d) => format!("the provider answered {error} ({d})"),
                    None => format!("the provider answered {error}"),
                },
            });
        }
        Ok(Callback::NoCode) => {
            return Err(SyncError::AuthorizationFailed {
                provider,
                detail: "the browser's answer carried no authorization code".into(),
            });
        }
        Err(WaitError::TimedOut) => {
            return Err(SyncError::AuthorizationTimeout {
                provider,
                waited: timeout,
            });
        }
        Err(WaitError::Io(e)) => {
            return Err(SyncError::AuthorizationFailed {
                provider,
                detail: format!("the loopback listener failed ({e})"),
            });
        }
    };

    let http = http_client(settings.request_timeout)?;
    let response = client
        .exchange_code(AuthorizationCode::new(code.into_inner()))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .map_err(|e| token_error(provider, e, false))?;
    let tokens = tokens_from(&response, &settings.scopes, None);
    scopes::check_granted(settings.provider, &tokens.scopes)?;
    Ok(tokens)
}

/// Trades a refresh token for new tokens. A refresh token the provider no
/// longer accepts (`invalid_grant`) is [`SyncError::ReconnectNeeded`]. When
/// the provider does not rotate the refresh token (Google), the old one is
/// kept: a refresh token is never replaced by none.
pub async fn refresh(
    settings: &ProviderSettings,
    http: &reqwest::Client,
    refresh_token: &Sensitive<String>,
    scopes: &[String],
) -> Result<Tokens> {
    let provider = settings.provider.display_name();
    let client = client(settings, None)?;
    let token = RefreshToken::new(refresh_token.expose().clone());
    let response = client
        .exchange_refresh_token(&token)
        .request_async(http)
        .await
        .map_err(|e| token_error(provider, e, true))?;
    Ok(tokens_from(&response, scopes, Some(refresh_token)))
}

fn tokens_from(
    response: &BasicTokenResponse,
    requested: &[String],
    previous_refresh: Option<&Sensitive<String>>,
) -> Tokens {
    let expires_at = response
        .expires_in()
        .and_then(|d| chrono::Duration::from_std(d).ok())
        .map(|d| Utc::now() + d);
    let scopes = match response.scopes() {
        Some(granted) => granted.iter().map(|s| s.to_string()).collect(),
        None => requested.to_vec(),
    };
    Tokens {
        access_token: Sensitive::new(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| Sensitive::new(t.secret().clone()))
            .or_else(|| previous_refresh.cloned()),
        expires_at,
        scopes,
        personal: false,
    }
}

/// Maps the oauth2 crate's error without its response body (which may hold tokens).
fn token_error(
    provider: &'static str,
    e: RequestTokenError<HttpClientError<reqwest::Error>, BasicErrorResponse>,
    refreshing: bool,
) -> SyncError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let code = r.error().to_string();
            if refreshing && code == "invalid_grant" {
                return SyncError::ReconnectNeeded { provider };
            }
            SyncError::TokenRefused {
                provider,
                code: code.chars().take(80).collect(),
                detail: r.error_description().map(|d| d.chars().take(300).collect()),
            }
        }
        RequestTokenError::Request(HttpClientError::Reqwest(e)) if e.is_timeout() => {
            SyncError::Timeout { provider }
        }
        RequestTokenError::Request(HttpClientError::Reqwest(e)) => SyncError::Network {
            provider,
            detail: reqwest_detail(&e),
        },
        RequestTokenError::Request(other) => SyncError::Network {
            provider,
            detail: other.to_string(),
        },
        RequestTokenError::Parse(e, _body) => SyncError::Malformed {
            provider,
            detail: format!(
                "the token endpoint's answer is not an OAuth token response ({} at `{}`)",
                match e.inner().classify() {
                    serde_json::error::Category::Eof => "cut short",
                    serde_json::error::Category::Syntax => "not JSON",
                    serde_json::error::Category::Data => "unexpected value",
                    serde_json::error::Category::Io => "read error",
                },
                e.path()
            ),
        },
        RequestTokenError::Other(message) => SyncError::Malformed {
            provider,
            detail: format!("the token endpoint's answer was unexpected ({message})"),
        },
    }
}

/// A reqwest error and its causes, without the URL.
pub(crate) fn reqwest_detail(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = match e.url() {
        Some(url) => e.to_string().replace(url.as_str(), "<url>"),
        None => e.to_string(),
    };
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// Asks the provider who signed in: an e-mail address (Google's userinfo,
/// Microsoft Graph's `/me` `userPrincipalName`) or Todoist's user e-mail,
/// falling back to "Todoist" when Todoist does not say.
pub async fn fetch_label(
    settings: &ProviderSettings,
    http: &reqwest::Client,
    access_token: &Sensitive<String>,
) -> Result<String> {
    let provider = settings.provider.display_name();
    let fallback = || match settings.provider {
        Provider::Todoist => Ok("Todoist".to_owned()),
        _ => Err(SyncError::Malformed {
            provider,
            detail: "the user info has no e-mail address to name the account by".into(),
        }),
    };
    let response = http
        .get(settings.userinfo_url.clone())
        .bearer_auth(access_token.expose())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                SyncError::Timeout { provider }
            } else {
                SyncError::Network {
                    provider,
                    detail: reqwest_detail(&e),
                }
            }
        })?;
    let status = response.status();
    if status == StatusCode::UNAUTHORIZED {
        return Err(SyncError::Unauthorized { provider });
    }
    if !status.is_success() {
        if settings.provider == Provider::Todoist {
            return fallback();
        }
        return Err(SyncError::Http {
            provider,
            status: status.as_u16(),
            message: "the user info request failed".into(),
        });
    }
    let Ok(json) = response.json::<serde_json::Value>().await else {
        return fallback();
    };
    let fields: &[&str] = match settings.provider {
        Provider::Google => &["email"],
        Provider::Microsoft => &["userPrincipalName", "mail"],
        _ => &["email", "full_name"],
    };
    fields
        .iter()
        .find_map(|f| json.get(*f).and_then(|v| v.as_str()))
        .map(|s| s.trim().chars().take(200).collect::<String>())
        .filter(|s| !s.is_empty())
        .map_or_else(fallback, Ok)
}

/// What disconnecting did at the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// The provider revoked the grant.
    Revoked,
    /// The provider has no revocation endpoint for this kind of token; the
    /// user can remove Vica's access in the provider's account settings.
    NotSupported(String),
    /// Revoking failed (offline, refused); the keychain entry is deleted anyway.
    Failed(String),
}

/// Revokes `tokens` at the provider (RFC 7009): Google's refresh token
/// (which ends the whole grant), Todoist's access token with the client's
/// Basic credentials. Microsoft's v2 endpoint has no revocation for public
/// clients, and a Todoist personal token is the user's to reset.
pub async fn revoke(settings: &ProviderSettings, tokens: &Tokens) -> Revocation {
    if tokens.personal {
        return Revocation::NotSupported(
            "a personal API token stays valid until you reset it in Todoist's Settings → Integrations → Developer".into(),
        );
    }
    let Some(url) = settings.revoke_url.clone() else {
        return Revocation::NotSupported(match settings.provider {
            Provider::Microsoft => "Microsoft's identity platform has no revocation endpoint for public clients; remove Vica under https://myapplications.microsoft.com (or https://account.live.com/consent/Manage) to end its access".into(),
            other => format!("{} has no revocation endpoint", other.display_name()),
        });
    };
    let provider = settings.provider.display_name();
    let (id, secret) = match settings.require_client() {
        Ok(c) => c,
        Err(e) => return Revocation::Failed(e.to_string()),
    };
    let http = match http_client(settings.request_timeout) {
        Ok(h) => h,
        Err(e) => return Revocation::Failed(e.to_string()),
    };
    let (token, hint) = match &tokens.refresh_token {
        Some(r) => (r, "refresh_token"),
        None => (&tokens.access_token, "access_token"),
    };
    let mut form = vec![
        ("token", token.expose().as_str()),
        ("token_type_hint", hint),
    ];
    let mut request = http.post(url);
    match (settings.provider, secret) {
        // Todoist's revoke endpoint takes Basic client_id:client_secret (RFC 6749 §2.3.1).
        (Provider::Todoist, Some(secret)) => {
            let encode = |s: &str| -> String {
                reqwest::Url::parse_with_params("http://x/", [("v", s)])
                    .ok()
                    .and_then(|u| u.query().map(|q| q.trim_start_matches("v=").to_owned()))
                    .unwrap_or_default()
            };
            request = request.basic_auth(encode(id), Some(encode(secret.expose())));
        }
        (_, secret) => {
            form.push(("client_id", id));
            if let Some(secret) = secret {
                form.push(("client_secret", secret.expose().as_str()));
            }
        }
    }
    match request.form(&form).send().await {
        Ok(r) if r.status().is_success() => Revocation::Revoked,
        Ok(r) => Revocation::Failed(format!("{provider} answered {}", r.status())),
        Err(e) => Revocation::Failed(format!("cannot reach {provider}: {}", reqwest_detail(&e))),
    }
}
