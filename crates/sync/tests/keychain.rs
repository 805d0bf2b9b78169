//! The real OS keychain. The tests marked `#[ignore]` need an unlocked
//! Secret Service (or the macOS/Windows keychain): `scripts/keychain-tests.sh`
//! starts a private D-Bus session with gnome-keyring and runs them with
//! `--ignored`. They use their own service name, never Vica's entries.
//!
//! `a_missing_secret_service_is_a_clear_error` needs no keychain: it reruns
//! this test binary pointed at a D-Bus address where nothing listens.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use vica_core::Store;
use vica_core::model::Provider;
use vica_fakes::oauth::{CLIENT_ID, CLIENT_SECRET, DEFAULT_EMAIL, FakeOAuth};
use vica_sync::accounts::{self, CachedData, ConnectOptions};
use vica_sync::oauth::{OAuthConfig, ProviderSettings, Revocation};
use vica_sync::secrets::{
    Keychain, SecretError, SecretStore, Sensitive, Tokens, load_tokens, save_tokens,
};

const TEST_SERVICE: &str = "app.vica.desktop.tests";

fn unique(prefix: &str) -> String {
    let tail: String = std::iter::repeat_with(fastrand::alphanumeric)
        .take(12)
        .collect();
    format!("{prefix}:{tail}@example.com")
}

#[test]
#[ignore = "needs an unlocked Secret Service: scripts/keychain-tests.sh"]
fn the_keychain_creates_reads_updates_and_deletes_entries() {
    let keychain = Keychain::with_service(TEST_SERVICE);
    keychain.check().unwrap();
    let entry = unique("google");
    assert_eq!(keychain.get(&entry).unwrap(), None);
    keychain
        .set(&entry, &Sensitive::new("first".into()))
        .unwrap();
    assert_eq!(
        keychain.get(&entry).unwrap().map(|s| s.expose().clone()),
        Some("first".into())
    );
    keychain
        .set(&entry, &Sensitive::new("second".into()))
        .unwrap();
    assert_eq!(
        keychain.get(&entry).unwrap().map(|s| s.expose().clone()),
        Some("second".into())
    );
    // Another service does not see it.
    assert_eq!(
        Keychain::with_service("app.vica.desktop.other-tests")
            .get(&entry)
            .unwrap(),
        None
    );
    assert!(keychain.delete(&entry).unwrap());
    assert_eq!(keychain.get(&entry).unwrap(), None);
    assert!(!keychain.delete(&entry).unwrap());
}

#[test]
#[ignore = "needs an unlocked Secret Service: scripts/keychain-tests.sh"]
fn tokens_round_trip_through_the_keychain() {
    let keychain = Keychain::with_service(TEST_SERVICE);
    let entry = unique("microsoft");
    let tokens = Tokens {
        access_token: Sensitive::new("at_é\"\\ünicode".into()),
        refresh_token: Some(Sensitive::new("rt_x".into())),
        expires_at: Some(chrono::Utc::now()),
        scopes: vec!["Calendars.Read".into(), "offline_access".into()],
        personal: false,
    };
    save_tokens(&keychain, &entry, &tokens).unwrap();
    let back = load_tokens(&keychain, &entry).unwrap().unwrap();
    assert_eq!(back.access_token, tokens.access_token);
    assert_eq!(back.refresh_token, tokens.refresh_token);
    assert_eq!(back.scopes, tokens.scopes);
    // Something else in the entry is reported, not parsed or shown.
    keychain
        .set(&entry, &Sensitive::new("garbage secret-ish".into()))
        .unwrap();
    let err = load_tokens(&keychain, &entry).unwrap_err();
    assert!(matches!(err, SecretError::Corrupt { .. }));
    assert!(!err.to_string().contains("secret-ish"));
    keychain.delete(&entry).unwrap();
}

#[tokio::test]
#[ignore = "needs an unlocked Secret Service: scripts/keychain-tests.sh"]
async fn connect_refresh_and_disconnect_with_the_real_keychain() {
    let oauth = FakeOAuth::start().await.unwrap();
    oauth.set_user(&unique("user"), "Keychain Test");
    let mut config = OAuthConfig::defaults().unwrap();
    config.google = ProviderSettings::defaults(Provider::Google)
        .unwrap()
        .with_base_url(&oauth.base_url())
        .unwrap()
        .with_client(CLIENT_ID, Some(CLIENT_SECRET));
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(&dir.path().join("vica.db")).unwrap());
    let keychain = Keychain::with_service(TEST_SERVICE);
    let secrets: Arc<dyn SecretStore> = Arc::new(keychain.clone());

    let account = accounts::connect(
        Provider::Google,
        &config,
        &store,
        &secrets,
        &ConnectOptions {
            timeout: Duration::from_secs(20),
        },
        |url: &Url| {
            let url = url.clone();
            tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let r = http.get(url).send().await.unwrap();
                let back = r.headers()["location"].to_str().unwrap().to_owned();
                http.get(back).send().await.unwrap();
            });
        },
    )
    .await
    .unwrap();
    let entry = account.keychain_entry.clone().unwrap();
    assert!(entry.starts_with("google:user:"));
    let stored = load_tokens(&keychain, &entry).unwrap().unwrap();
    assert_eq!(
        Some(stored.access_token.expose().clone()),
        oauth.last_access_token()
    );

    // A refresh rotates the refresh token and updates the entry.
    let source = accounts::token_source(&account, &config, secrets.clone()).unwrap();
    let fresh = source.refresh().await.unwrap();
    let updated = load_tokens(&keychain, &entry).unwrap().unwrap();
    assert_eq!(updated.access_token.expose(), &fresh);
    assert_ne!(updated.refresh_token, stored.refresh_token);

    let done = accounts::disconnect(account.id, &config, &store, &secrets, CachedData::Delete)
        .await
        .unwrap();
    assert_eq!(done.revocation, Some(Revocation::Revoked));
    assert!(done.keychain_entry_deleted);
    assert_eq!(keychain.get(&entry).unwrap(), None);
    assert!(oauth.live_refresh_tokens().is_empty());
    let _ = DEFAULT_EMAIL;
}

/// Set in the child process of `a_missing_secret_service_is_a_clear_error`.
const CHILD: &str = "VICA_KEYCHAIN_TEST_CHILD";

#[cfg(target_os = "linux")]
#[test]
fn a_missing_secret_service_is_a_clear_error() {
    let exe = std::env::current_exe().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "child_without_a_secret_service",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus-here", dir.path().display()),
        )
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// Runs only as the child above, where the session bus does not exist.
#[test]
fn child_without_a_secret_service() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let keychain = Keychain::with_service(TEST_SERVICE);
    let err = keychain.check().unwrap_err();
    assert!(matches!(err, SecretError::Unavailable { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("install and unlock gnome-keyring or KeePassXC"),
        "{msg}"
    );
    assert!(msg.contains("never stores tokens in a plain file"), "{msg}");
    // Every operation says the same; nothing falls back to a file.
    assert!(matches!(
        keychain.set("google:x", &Sensitive::new("t".into())),
        Err(SecretError::Unavailable { .. })
    ));
    println!("error shown to the user: {msg}");
}
