//! Every provider × every fault the fakes can inject: after a first good
//! sync, the server changes, a fault is injected into the next sync, and that
//! sync either recovers (the store then equals the server) or ends with a
//! clear error on the source it hit; in both cases nothing cached before is
//! lost, nothing is duplicated and `PRAGMA integrity_check` is ok. A sync
//! after the fault is gone always converges.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{Kind, Setup, fast_retries};
use vica_core::model::AccountStatus;
use vica_fakes::FakeServer;
use vica_fakes::http::Fault;
use vica_fakes::oauth::TokenFault;
use vica_sync::http::RetryPolicy;

/// How a fault is brought about.
#[derive(Debug, Clone)]
enum Injection {
    /// A harness fault on the first request for a source's items.
    Provider(Fault),
    /// The provider forgets every cursor it handed out (Google's 410 on a
    /// sync token, Graph's 410 on a delta link, Todoist's 400 on a paging cursor).
    CursorReset,
    /// A 401 on the first item request, and the refresh that follows is
    /// answered `invalid_grant`.
    InvalidGrant,
}

/// What the injected sync must come to.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// It succeeds: the store equals the server.
    Recovers,
    /// The source the fault hit fails with an error containing this text.
    SourceFails(&'static str),
}

struct Case {
    name: &'static str,
    injection: Injection,
    expect: Expect,
}

fn cases() -> Vec<Case> {
    let status = |code, retry_after| Fault::Status { code, retry_after };
    vec![
        Case {
            name: "429 with Retry-After",
            injection: Injection::Provider(status(429, Some(1))),
            expect: Expect::Recovers,
        },
        Case {
            name: "500",
            injection: Injection::Provider(status(500, None)),
            expect: Expect::Recovers,
        },
        Case {
            name: "503",
            injection: Injection::Provider(status(503, None)),
            expect: Expect::Recovers,
        },
        Case {
            name: "timeout",
            // Longer than the client's 1 s request timeout.
            injection: Injection::Provider(Fault::Slow(Duration::from_millis(1600))),
            expect: Expect::Recovers,
        },
        Case {
            name: "connection dropped mid-body",
            injection: Injection::Provider(Fault::DropMidBody),
            expect: Expect::Recovers,
        },
        Case {
            name: "malformed JSON",
            injection: Injection::Provider(Fault::MalformedJson),
            expect: Expect::SourceFails("cannot read"),
        },
        Case {
            name: "401 then refresh",
            injection: Injection::Provider(Fault::Unauthorized),
            expect: Expect::Recovers,
        },
        Case {
            name: "sync-token/delta reset",
            injection: Injection::CursorReset,
            expect: Expect::Recovers,
        },
        Case {
            name: "invalid_grant",
            injection: Injection::InvalidGrant,
            expect: Expect::SourceFails("reconnect the account"),
        },
    ]
}

/// Leaves a cursor in the middle of a listing, then makes the server forget
/// every cursor. Google and Graph keep a cursor after a complete listing (a
/// sync token, a delta link); Todoist lists afresh on every sync, so its only
/// cursors are paging cursors, left behind by a sync cut off after page one.
async fn reset_cursors(s: &Setup) {
    match &s.server {
        common::Server::Google(f) => f.invalidate_sync_tokens(),
        common::Server::Graph(f) => f.invalidate_delta_tokens(),
        common::Server::Todoist(f) => {
            let once = s.client(RetryPolicy {
                max_attempts: 1,
                ..fast_retries()
            });
            s.pass_listing(); // projects
            f.inject(Fault::Slow(Duration::ZERO)); // sections
            f.inject(Fault::Slow(Duration::ZERO)); // the plan
            f.inject(Fault::Slow(Duration::ZERO)); // the activity log, one page
            f.inject(Fault::Slow(Duration::ZERO)); // completed, page 1
            f.inject(Fault::DropMidBody); // completed, page 2
            let cut = s.sync_only(once, s.kind.sources()[0]).await;
            assert!(!cut.is_ok(), "the sync should have been cut off: {cut:?}");
            assert_eq!(cut.sources[0].pages, 2, "{cut:?}");
            f.clear_faults();
            f.invalidate_cursors();
        }
    }
}

/// Every item of `before` is still in `after`, with its old title or the
/// server's new one (a source the fault did not hit may have synced).
fn assert_nothing_lost(
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    served: &BTreeMap<String, String>,
    what: &str,
) {
    for (key, title) in before {
        let now = after.get(key);
        assert!(
            now == Some(title) || (now.is_some() && now == served.get(key)),
            "{what}: {key} was cached before the fault and is gone or wrong: {now:?}"
        );
    }
}

async fn run(kind: Kind, case: &Case) {
    let what = format!("{kind:?} × {}", case.name);
    let s = Setup::start(kind, 10).await;
    let seeded = s.sync().await;
    assert!(seeded.is_ok(), "{what}: the first sync failed: {seeded:?}");
    let before = s.stored();
    assert_eq!(before, s.served(), "{what}: the first sync is incomplete");
    assert_eq!(before.len(), 13, "{what}");

    // The server changes while Vica is away.
    let [a, _] = kind.sources();
    s.add(a, "new", "Added after the first sync", 11);
    s.add(a, "a3", "Renamed after the first sync", 3);

    match &case.injection {
        Injection::Provider(fault) => {
            s.pass_listing();
            s.server.inject(fault.clone());
        }
        Injection::CursorReset => reset_cursors(&s).await,
        Injection::InvalidGrant => {
            s.pass_listing();
            s.server.inject(Fault::Unauthorized);
            s.oauth.inject_token_fault(TokenFault::InvalidGrant);
        }
    }
    s.server.clear_requests();
    let started = Instant::now();
    let report = s.sync().await;
    let took = started.elapsed();
    eprintln!("{what}: {took:?}");
    let after = s.stored();
    assert_eq!(s.integrity(), ["ok"], "{what}");

    match case.expect {
        Expect::Recovers => {
            assert!(report.is_ok(), "{what}: {report:?}");
            assert_eq!(
                after,
                s.served(),
                "{what}: the store differs from the server"
            );
        }
        Expect::SourceFails(text) => {
            assert!(report.error.is_none(), "{what}: {report:?}");
            // Sources take turns in no fixed order: the fault hits whichever goes first.
            let failed: Vec<_> = report
                .sources
                .iter()
                .filter(|r| r.error.is_some())
                .collect();
            assert_eq!(
                failed.len(),
                1,
                "{what}: one source should fail: {report:?}"
            );
            let error = failed[0].error.as_deref().unwrap_or_default();
            assert!(
                error.contains(text),
                "{what}: the failed source's error should say {text:?}: {report:?}"
            );
            let served = s.served();
            assert_nothing_lost(&before, &after, &served, &what);
            // Nothing the server does not have.
            for (key, title) in &after {
                assert!(
                    served.get(key) == Some(title) || before.get(key) == Some(title),
                    "{what}: {key} = {title:?} came from nowhere"
                );
            }
        }
    }

    // What each fault must have done on the wire.
    let requests = s.server.requests();
    let statuses: Vec<u16> = requests.iter().map(|r| r.status).collect();
    match &case.injection {
        Injection::Provider(Fault::Status { code, retry_after }) => {
            assert!(statuses.contains(code), "{what}: {statuses:?}");
            if let Some(secs) = retry_after {
                assert!(
                    took >= Duration::from_secs(*secs),
                    "{what}: Retry-After was not honoured ({took:?})"
                );
            }
        }
        Injection::Provider(Fault::Unauthorized) => {
            assert!(statuses.contains(&401), "{what}: {statuses:?}");
            let refreshed = s
                .oauth
                .token_requests()
                .iter()
                .any(|r| r.grant_type == "refresh_token" && r.status == 200);
            assert!(refreshed, "{what}: no refresh at the token endpoint");
        }
        Injection::Provider(_) => {
            let faulted = requests.iter().filter(|r| r.fault.is_some()).count();
            assert!(faulted >= 1, "{what}: the fault was never applied");
        }
        Injection::CursorReset => {
            assert!(
                report.sources.iter().any(|r| r.full_syncs >= 1)
                    || statuses.iter().any(|s| *s == 410 || *s == 400),
                "{what}: the reset was not noticed: {report:?} {statuses:?}"
            );
            let resynced = report.sources.iter().map(|r| r.full_syncs).sum::<u32>();
            assert!(
                resynced >= 1,
                "{what}: no full listing after the reset: {report:?}"
            );
        }
        Injection::InvalidGrant => {
            let account = s.store.lock().unwrap().account(s.account.id).unwrap();
            assert_eq!(account.status, AccountStatus::NeedsReconnect, "{what}");
            let refused = s
                .oauth
                .token_requests()
                .iter()
                .any(|r| r.error.as_deref() == Some("invalid_grant"));
            assert!(refused, "{what}: the refresh was not refused");
        }
    }

    // Once the fault has passed, the next sync converges.
    s.server.clear_faults();
    let again = s.sync().await;
    assert!(
        again.is_ok(),
        "{what}: the sync after the fault failed: {again:?}"
    );
    assert_eq!(
        s.stored(),
        s.served(),
        "{what}: no convergence after the fault"
    );
    assert_eq!(s.integrity(), ["ok"], "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_provider_survives_every_fault() {
    let cases = cases();
    for kind in Kind::ALL {
        for case in &cases {
            run(kind, case).await;
        }
    }
}
