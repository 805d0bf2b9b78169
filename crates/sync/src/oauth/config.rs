//! Which OAuth client Vica uses for each provider, and where its endpoints are.
//!
//! Vica ships no client ids: each user (or packager) registers their own
//! client (docs/oauth-setup.md) and puts its id in `<config dir>/oauth.toml`
//! or in the environment. The environment wins over the file:
//!
//! | setting | file (`[google]`, `[microsoft]`, `[todoist]`) | environment |
//! | --- | --- | --- |
//! | client id | `client_id` | `VICA_GOOGLE_CLIENT_ID`, `VICA_MICROSOFT_CLIENT_ID`, `VICA_TODOIST_CLIENT_ID` |
//! | client secret | `client_secret` (Google; Todoist optional: without one it is a public client, PKCE alone) | `VICA_GOOGLE_CLIENT_SECRET`, `VICA_TODOIST_CLIENT_SECRET` |
//! | Microsoft tenant | `tenant` (default `common`) | `VICA_MICROSOFT_TENANT` |
//! | endpoints | `auth_url`, `token_url`, `revoke_url`, `userinfo_url` | `VICA_<P>_AUTH_URL`, `…_TOKEN_URL`, `…_REVOKE_URL`, `…_USERINFO_URL` |
//! | loopback port | `redirect_port` (0: any free port) | `VICA_<P>_REDIRECT_PORT` |
//! | loopback path | `redirect_path` | `VICA_<P>_REDIRECT_PATH` |
//!
//! Endpoints are overridable so tests and the demo can point Vica at the
//! fake authorization server in `vica-fakes`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::Url;
use serde::Deserialize;
use vica_core::model::Provider;

use crate::error::{Result, SyncError};
use crate::secrets::Sensitive;

/// The file, inside the config dir, that holds client ids.
pub const CONFIG_FILE: &str = "oauth.toml";

/// Where users learn to register a client.
pub const SETUP_DOC: &str = "docs/oauth-setup.md";

/// One provider's OAuth client and endpoints.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub provider: Provider,
    /// `None` until the user configures one.
    pub client_id: Option<String>,
    /// Google's "desktop app" secret (not really secret, but required) and
    /// Todoist's, if its app has one (without it Todoist's sign-in is a
    /// public client's, PKCE alone, as Doist's CLI signs in). Microsoft
    /// public clients must not send one.
    pub client_secret: Option<Sensitive<String>>,
    pub auth_url: Url,
    pub token_url: Url,
    /// RFC 7009 revocation; Microsoft's v2 endpoint has none for public clients.
    pub revoke_url: Option<Url>,
    /// Where the account's label (an e-mail address) comes from.
    pub userinfo_url: Url,
    pub scopes: Vec<String>,
    /// The loopback port; 0 picks a free one (RFC 8252). Todoist needs the
    /// registered one.
    pub redirect_port: u16,
    /// The redirect URI's path: empty for `http://127.0.0.1:PORT`.
    pub redirect_path: String,
    /// How long one request to the token, revocation or userinfo endpoint may take.
    pub request_timeout: Duration,
}

impl ProviderSettings {
    /// The provider's public endpoints and Vica's scopes, with no client yet.
    pub fn defaults(provider: Provider) -> Result<ProviderSettings> {
        let (auth, token, revoke, userinfo, scopes, port, path): (
            &str,
            &str,
            Option<&str>,
            &str,
            &[&str],
            u16,
            &str,
        ) = match provider {
            Provider::Google => (
                "https://accounts.google.com/o/oauth2/v2/auth",
                "https://oauth2.googleapis.com/token",
                Some("https://oauth2.googleapis.com/revoke"),
                "https://openidconnect.googleapis.com/v1/userinfo",
                &[
                    "https://www.googleapis.com/auth/calendar.readonly",
                    "openid",
                    "email",
                ],
                0,
                "",
            ),
            Provider::Microsoft => (
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                None,
                "https://graph.microsoft.com/v1.0/me",
                &[
                    "Calendars.Read",
                    "Calendars.Read.Shared",
                    "offline_access",
                    "User.Read",
                ],
                0,
                "",
            ),
            Provider::Todoist => (
                "https://todoist.com/oauth/authorize",
                "https://todoist.com/oauth/access_token",
                Some("https://api.todoist.com/api/v1/revoke"),
                "https://api.todoist.com/api/v1/user",
                &["data:read"],
                DEFAULT_TODOIST_PORT,
                "/callback",
            ),
            Provider::Ics => {
                return Err(SyncError::NotConfigured {
                    provider: provider.display_name(),
                    detail: "ICS calendars are added by URL, not with OAuth".into(),
                });
            }
        };
        Ok(ProviderSettings {
            provider,
            client_id: None,
            client_secret: None,
            auth_url: url(provider, "auth_url", auth)?,
            token_url: url(provider, "token_url", token)?,
            revoke_url: revoke.map(|r| url(provider, "revoke_url", r)).transpose()?,
            userinfo_url: url(provider, "userinfo_url", userinfo)?,
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            redirect_port: port,
            redirect_path: path.to_owned(),
            request_timeout: Duration::from_secs(30),
        })
    }

    /// Points every endpoint at `base` (a fake authorization server):
    /// `/authorize`, `/token`, `/revoke` (when the provider has one) and `/userinfo`.
    pub fn with_base_url(mut self, base: &str) -> Result<ProviderSettings> {
        let base = base.trim_end_matches('/');
        let at = |path: &str, key: &str| url(self.provider, key, &format!("{base}{path}"));
        self.auth_url = at("/authorize", "auth_url")?;
        self.token_url = at("/token", "token_url")?;
        if self.revoke_url.is_some() {
            self.revoke_url = Some(at("/revoke", "revoke_url")?);
        }
        self.userinfo_url = at("/userinfo", "userinfo_url")?;
        Ok(self)
    }

    /// Sets the client (the secret is dropped for Microsoft's public clients).
    pub fn with_client(mut self, id: &str, secret: Option<&str>) -> ProviderSettings {
        self.client_id = Some(id.to_owned());
        self.client_secret = match self.provider {
            Provider::Microsoft => None,
            _ => secret.map(|s| Sensitive::new(s.to_owned())),
        };
        self
    }

    /// The client id, or a [`SyncError::NotConfigured`] naming what to set.
    pub fn require_client(&self) -> Result<(&str, Option<&Sensitive<String>>)> {
        let provider = self.provider.display_name();
        let prefix = env_prefix(self.provider);
        let Some(id) = self.client_id.as_deref().filter(|s| !s.trim().is_empty()) else {
            return Err(SyncError::NotConfigured {
                provider,
                detail: format!(
                    "no client id is set (set {prefix}_CLIENT_ID or client_id under [{}] in {CONFIG_FILE} in Vica's config dir)",
                    self.provider.as_str()
                ),
            });
        };
        // Google asks for its desktop client's secret even with PKCE
        // ("client_secret is missing"); Todoist takes PKCE alone from a public client.
        let needs_secret = self.provider == Provider::Google;
        let secret = self
            .client_secret
            .as_ref()
            .filter(|s| !s.expose().is_empty());
        if needs_secret && secret.is_none() {
            return Err(SyncError::NotConfigured {
                provider,
                detail: format!(
                    "a client id is set but no client secret (set {prefix}_CLIENT_SECRET or client_secret under [{}] in {CONFIG_FILE})",
                    self.provider.as_str()
                ),
            });
        }
        Ok((id, secret))
    }
}

/// The port Todoist's registered redirect uses by default
/// (`http://127.0.0.1:8765/callback`): Todoist redirects to the registered URL.
pub const DEFAULT_TODOIST_PORT: u16 = 8765;

fn url(provider: Provider, key: &str, value: &str) -> Result<Url> {
    Url::parse(value).map_err(|e| SyncError::NotConfigured {
        provider: provider.display_name(),
        detail: format!("{key} is not a valid URL ({e})"),
    })
}

fn env_prefix(provider: Provider) -> &'static str {
    match provider {
        Provider::Google => "VICA_GOOGLE",
        Provider::Microsoft => "VICA_MICROSOFT",
        Provider::Todoist => "VICA_TODOIST",
        Provider::Ics => "VICA_ICS",
    }
}

/// The OAuth settings of every provider.
#[derive(Debug, Clone)]
pub struct OAuthConfig {
    pub google: ProviderSettings,
    pub microsoft: ProviderSettings,
    pub todoist: ProviderSettings,
    /// The file the settings were read from, if one existed.
    pub file: Option<PathBuf>,
}

/// `oauth.toml`, one table per provider.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    google: Section,
    #[serde(default)]
    microsoft: Section,
    #[serde(default)]
    todoist: Section,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Section {
    client_id: Option<String>,
    client_secret: Option<String>,
    tenant: Option<String>,
    auth_url: Option<String>,
    token_url: Option<String>,
    revoke_url: Option<String>,
    userinfo_url: Option<String>,
    redirect_port: Option<u16>,
    redirect_path: Option<String>,
}

impl OAuthConfig {
    /// The public endpoints, no clients.
    pub fn defaults() -> Result<OAuthConfig> {
        Ok(OAuthConfig {
            google: ProviderSettings::defaults(Provider::Google)?,
            microsoft: ProviderSettings::defaults(Provider::Microsoft)?,
            todoist: ProviderSettings::defaults(Provider::Todoist)?,
            file: None,
        })
    }

    /// Reads `<config_dir>/oauth.toml` (when it exists), then the process environment.
    pub fn load(config_dir: &Path) -> Result<OAuthConfig> {
        let path = config_dir.join(CONFIG_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(SyncError::NotConfigured {
                    provider: "OAuth",
                    detail: format!("cannot read {} ({e})", path.display()),
                });
            }
        };
        let mut config =
            OAuthConfig::from_sources(text.as_deref(), &|k| std::env::var(k).ok(), &path)?;
        config.file = text.is_some().then_some(path);
        Ok(config)
    }

    /// Reads Vica's config dir ([`vica_core::paths::config_dir`]) and the environment.
    pub fn load_default() -> Result<OAuthConfig> {
        let dir = vica_core::paths::config_dir()?;
        OAuthConfig::load(&dir)
    }

    /// Builds the settings from a file's text and an environment lookup;
    /// `path` is only for messages.
    pub fn from_sources(
        file: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
        path: &Path,
    ) -> Result<OAuthConfig> {
        let parsed: File = match file {
            Some(text) => toml::from_str(text).map_err(|e| SyncError::NotConfigured {
                provider: "OAuth",
                detail: format!("{} is not valid: {}", path.display(), e.message()),
            })?,
            None => File::default(),
        };
        Ok(OAuthConfig {
            google: merge(Provider::Google, parsed.google, env)?,
            microsoft: merge(Provider::Microsoft, parsed.microsoft, env)?,
            todoist: merge(Provider::Todoist, parsed.todoist, env)?,
            file: None,
        })
    }

    /// One provider's settings.
    pub fn provider(&self, provider: Provider) -> Result<&ProviderSettings> {
        match provider {
            Provider::Google => Ok(&self.google),
            Provider::Microsoft => Ok(&self.microsoft),
            Provider::Todoist => Ok(&self.todoist),
            Provider::Ics => Err(SyncError::NotConfigured {
                provider: provider.display_name(),
                detail: "ICS calendars are added by URL, not with OAuth".into(),
            }),
        }
    }

    pub fn provider_mut(&mut self, provider: Provider) -> Result<&mut ProviderSettings> {
        match provider {
            Provider::Google => Ok(&mut self.google),
            Provider::Microsoft => Ok(&mut self.microsoft),
            Provider::Todoist => Ok(&mut self.todoist),
            Provider::Ics => Err(SyncError::NotConfigured {
                provider: provider.display_name(),
                detail: "ICS calendars are added by URL, not with OAuth".into(),
            }),
        }
    }

    /// Whether any provider has a client id.
    pub fn any_configured(&self) -> bool {
        [&self.google, &self.microsoft, &self.todoist]
            .iter()
            .any(|p| p.require_client().is_ok())
    }
}

fn merge(
    provider: Provider,
    file: Section,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ProviderSettings> {
    let prefix = env_prefix(provider);
    let pick = |key: &str, from_file: Option<String>| -> Option<String> {
        env(&format!("{prefix}_{key}"))
            .or(from_file)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut s = ProviderSettings::defaults(provider)?;
    if provider == Provider::Microsoft
        && let Some(tenant) = pick("TENANT", file.tenant)
    {
        if !tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(SyncError::NotConfigured {
                provider: provider.display_name(),
                detail: format!("the tenant \"{tenant}\" is not a tenant id or domain"),
            });
        }
        let base = format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0");
        s.auth_url = url(provider, "tenant", &format!("{base}/authorize"))?;
        s.token_url = url(provider, "tenant", &format!("{base}/token"))?;
    }
    s.client_id = pick("CLIENT_ID", file.client_id);
    if provider != Provider::Microsoft {
        s.client_secret = pick("CLIENT_SECRET", file.client_secret).map(Sensitive::new);
    }
    if let Some(v) = pick("AUTH_URL", file.auth_url) {
        s.auth_url = url(provider, "auth_url", &v)?;
    }
    if let Some(v) = pick("TOKEN_URL", file.token_url) {
        s.token_url = url(provider, "token_url", &v)?;
    }
    if let Some(v) = pick("REVOKE_URL", file.revoke_url) {
        s.revoke_url = Some(url(provider, "revoke_url", &v)?);
    }
    if let Some(v) = pick("USERINFO_URL", file.userinfo_url) {
        s.userinfo_url = url(provider, "userinfo_url", &v)?;
    }
    if let Some(v) = pick("REDIRECT_PORT", file.redirect_port.map(|p| p.to_string())) {
        s.redirect_port = v.parse().map_err(|_| SyncError::NotConfigured {
            provider: provider.display_name(),
            detail: format!("redirect_port \"{v}\" is not a port number"),
        })?;
    }
    if let Some(v) = pick("REDIRECT_PATH", file.redirect_path) {
        if !v.starts_with('/') || v.contains(['?', '#', ' ']) {
            return Err(SyncError::NotConfigured {
                provider: provider.display_name(),
                detail: format!("redirect_path \"{v}\" must be a path starting with /"),
            });
        }
        s.redirect_path = if v == "/" { String::new() } else { v };
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn nothing_configured_says_what_to_set_and_where_to_read() {
        let c = OAuthConfig::from_sources(None, &env(&[]), Path::new("oauth.toml")).unwrap();
        assert!(!c.any_configured());
        let msg = c.google.require_client().unwrap_err().to_string();
        assert!(msg.contains("VICA_GOOGLE_CLIENT_ID"), "{msg}");
        assert!(msg.contains("docs/oauth-setup.md"), "{msg}");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let file = r#"
            [google]
            client_id = "file-id"
            client_secret = "file-secret"
            [microsoft]
            client_id = "ms-id"
            tenant = "consumers"
            [todoist]
            client_id = "td"
            client_secret = "td-secret"
            redirect_port = 9000
        "#;
        let c = OAuthConfig::from_sources(
            Some(file),
            &env(&[
                ("VICA_GOOGLE_CLIENT_ID", "env-id"),
                ("VICA_GOOGLE_TOKEN_URL", "http://127.0.0.1:9/token"),
            ]),
            Path::new("oauth.toml"),
        )
        .unwrap();
        let (id, secret) = c.google.require_client().unwrap();
        assert_eq!(id, "env-id");
        assert_eq!(secret.map(|s| s.expose().as_str()), Some("file-secret"));
        assert_eq!(c.google.token_url.as_str(), "http://127.0.0.1:9/token");
        assert_eq!(
            c.microsoft.auth_url.as_str(),
            "https://login.microsoftonline.com/consumers/oauth2/v2.0/authorize"
        );
        assert!(c.microsoft.revoke_url.is_none());
        assert_eq!(c.todoist.redirect_port, 9000);
        assert_eq!(c.todoist.redirect_path, "/callback");
    }

    #[test]
    fn google_needs_a_secret_todoist_may_have_one_microsoft_sends_none() {
        let c = OAuthConfig::from_sources(
            None,
            &env(&[
                ("VICA_GOOGLE_CLIENT_ID", "g"),
                ("VICA_MICROSOFT_CLIENT_ID", "m"),
                ("VICA_MICROSOFT_CLIENT_SECRET", "ignored"),
                ("VICA_TODOIST_CLIENT_ID", "t"),
            ]),
            Path::new("oauth.toml"),
        )
        .unwrap();
        let msg = c.google.require_client().unwrap_err().to_string();
        assert!(msg.contains("VICA_GOOGLE_CLIENT_SECRET"), "{msg}");
        let (id, secret) = c.microsoft.require_client().unwrap();
        assert_eq!((id, secret.is_none()), ("m", true));
        // A public Todoist app: the id alone.
        let (id, secret) = c.todoist.require_client().unwrap();
        assert_eq!((id, secret.is_none()), ("t", true));
        let with = OAuthConfig::from_sources(
            Some("[todoist]\nclient_id = \"t\"\nclient_secret = \"s\"\n"),
            &env(&[]),
            Path::new("oauth.toml"),
        )
        .unwrap();
        let (_, secret) = with.todoist.require_client().unwrap();
        assert_eq!(secret.map(|s| s.expose().as_str()), Some("s"));
    }

    #[test]
    fn a_bad_file_is_reported_with_its_path() {
        let msg = OAuthConfig::from_sources(
            Some("[google]\nclient_idd = 1\n"),
            &env(&[]),
            Path::new("/cfg/oauth.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(msg.contains("/cfg/oauth.toml"), "{msg}");
    }
}
