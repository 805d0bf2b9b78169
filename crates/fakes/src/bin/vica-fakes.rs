//! `vica-fakes`: runs the fake providers as a process, for tests that drive
//! the real app (the e2e suite) and for trying the app against them by hand.
//!
//! ```text
//! vica-fakes todoist [--token TOKEN]   # a fake Todoist with one project and two finished tasks
//! vica-fakes google-oauth [--latency-ms MS]
//!                                      # a fake Google Calendar behind the fake OAuth server,
//!                                      # answering each calendar request after MS milliseconds
//! ```
//!
//! It prints the environment the app needs to use them, one `NAME=value`
//! line each, then `ready`, and serves until its standard input closes or it
//! is killed. Everything listens on 127.0.0.1 only.

use std::io::Read;

use chrono::{DateTime, Datelike, Duration, Local, SecondsFormat, TimeZone, Utc};
use serde_json::json;
use vica_fakes::FakeServer;
use vica_fakes::google::{CalendarEntry, FakeGoogle};
use vica_fakes::oauth::{self, FakeOAuth};
use vica_fakes::todoist::{FakeTodoist, ProjectEntry};

const USAGE: &str =
    "usage: vica-fakes todoist [--token TOKEN] | vica-fakes google-oauth [--latency-ms MS]";

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("todoist") => todoist(&args[1..]).await,
        Some("google-oauth") => google_oauth(&args[1..]).await,
        _ => Err(USAGE.to_owned()),
    };
    match result {
        // The servers run in this runtime's tasks until stdin closes.
        Ok(servers) => {
            println!("ready");
            let _ = tokio::task::spawn_blocking(|| {
                let mut sink = Vec::new();
                let _ = std::io::stdin().read_to_end(&mut sink);
            })
            .await;
            servers.shutdown();
        }
        Err(message) => {
            eprintln!("vica-fakes: {message}");
            std::process::exit(2);
        }
    }
}

/// What must stay alive while serving.
enum Servers {
    Todoist(FakeTodoist),
    GoogleOAuth(FakeGoogle, FakeOAuth),
}

impl Servers {
    fn shutdown(self) {
        match self {
            Servers::Todoist(todoist) => todoist.shutdown(),
            Servers::GoogleOAuth(google, auth) => {
                google.shutdown();
                auth.shutdown();
            }
        }
    }
}

async fn todoist(args: &[String]) -> Result<Servers, String> {
    let token = match args {
        [] => vica_fakes::todoist::DEFAULT_ACCESS_TOKEN.to_owned(),
        [flag, token] if flag == "--token" && !token.trim().is_empty() => token.clone(),
        _ => return Err(USAGE.to_owned()),
    };
    let fake = FakeTodoist::start()
        .await
        .map_err(|e| format!("cannot start the fake Todoist: {e}"))?;
    fake.set_access_token(&token);
    let mut project = ProjectEntry::new("e2e-errands", "Errands");
    project.color = "teal".into();
    fake.add_project(project);
    let now = Utc::now();
    for (id, content, ago) in [
        ("e2e-1", "Renew the library card", Duration::minutes(5)),
        ("e2e-2", "Book the bike service", Duration::minutes(65)),
    ] {
        fake.put_task(json!({
            "id": id,
            "project_id": "e2e-errands",
            "content": content,
            "checked": true,
            "completed_at": within_this_week(now - ago, now).to_rfc3339_opts(SecondsFormat::Micros, true),
        }));
    }
    let base = fake.base_url();
    println!("VICA_TODOIST_API_BASE={base}");
    // The fake has no user endpoint: the account is labelled "Todoist".
    println!("VICA_TODOIST_USERINFO_URL={base}/user");
    Ok(Servers::Todoist(fake))
}

/// `at`, or the start of this week (Monday 00:00 on this machine's clock)
/// when `at` falls before it: the tests look for these items in the week the
/// app opens on, also when they run early on a Monday.
fn within_this_week(at: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&Local).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let start = monday
        .and_hms_opt(0, 0, 0)
        .and_then(|midnight| Local.from_local_datetime(&midnight).earliest())
        .map_or(at, |start| start.with_timezone(&Utc));
    at.max(start)
}

async fn google_oauth(args: &[String]) -> Result<Servers, String> {
    let latency = match args {
        [] => std::time::Duration::ZERO,
        [flag, ms] if flag == "--latency-ms" => {
            std::time::Duration::from_millis(ms.parse().map_err(|_| USAGE.to_owned())?)
        }
        _ => return Err(USAGE.to_owned()),
    };
    let google = FakeGoogle::start()
        .await
        .map_err(|e| format!("cannot start the fake Google Calendar: {e}"))?;
    google.set_latency(latency);
    let auth = FakeOAuth::start()
        .await
        .map_err(|e| format!("cannot start the fake OAuth server: {e}"))?;
    auth.link_google(&google);
    let mut calendar = CalendarEntry::new(oauth::DEFAULT_EMAIL, "Work");
    calendar.primary = true;
    calendar.background_color = Some("#0b8043".into());
    google.add_calendar(calendar);
    let now = Utc::now();
    let start = within_this_week(now - Duration::hours(2), now);
    google.put_event(
        oauth::DEFAULT_EMAIL,
        json!({
            "id": "e2eoauth1",
            "summary": "Planning with the fake Google",
            "start": { "dateTime": start.to_rfc3339_opts(SecondsFormat::Secs, true) },
            "end": { "dateTime": (start + Duration::minutes(45)).to_rfc3339_opts(SecondsFormat::Secs, true) },
        }),
    );
    // History for the history import: a weekly meeting that ran for two
    // years and ended 40 weeks ago, before the sync window (26 weeks back)
    // begins, so only an import brings it: 105 instances.
    let ended = (now - Duration::weeks(40))
        .date_naive()
        .and_hms_opt(10, 0, 0)
        .map_or(now, |t| t.and_utc());
    let first = ended - Duration::weeks(104);
    google.put_event(
        oauth::DEFAULT_EMAIL,
        json!({
            "id": "e2eoldweekly",
            "summary": "Old weekly sync",
            "start": { "dateTime": first.to_rfc3339_opts(SecondsFormat::Secs, true), "timeZone": "UTC" },
            "end": { "dateTime": (first + Duration::minutes(30)).to_rfc3339_opts(SecondsFormat::Secs, true), "timeZone": "UTC" },
            "recurrence": [format!("RRULE:FREQ=WEEKLY;UNTIL={}", ended.format("%Y%m%dT%H%M%SZ"))],
        }),
    );
    println!("VICA_GOOGLE_API_BASE={}", google.base_url());
    // A client that follows Google's refresh-token rules (prompt=consent).
    println!("VICA_GOOGLE_CLIENT_ID={}", oauth::GOOGLE_CLIENT_ID);
    println!("VICA_GOOGLE_CLIENT_SECRET={}", oauth::CLIENT_SECRET);
    println!("VICA_GOOGLE_AUTH_URL={}", auth.authorize_url());
    println!("VICA_GOOGLE_TOKEN_URL={}", auth.token_url());
    println!("VICA_GOOGLE_REVOKE_URL={}", auth.revoke_url());
    println!("VICA_GOOGLE_USERINFO_URL={}", auth.userinfo_url());
    Ok(Servers::GoogleOAuth(google, auth))
}
