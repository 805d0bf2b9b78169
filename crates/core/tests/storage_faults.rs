//! The store when the disk lets it down: a read-only data directory, a full
//! disk, and the database locked by another process. Each ends in a typed
//! error that says what to do, `PRAGMA integrity_check` is ok afterwards, and
//! nothing stored before is lost.
//!
//! Root ignores file permissions (and CI runs as root), so as root the data
//! directory is a small tmpfs mounted for the test and made read-only with
//! `mount -o remount,ro`, which stops root too; a full disk is that tmpfs
//! filling up. Without root the read-only case uses `chmod`, and the
//! disk-full case is skipped (it says so on stderr).
//!
//! Unix only: file modes, tmpfs and `mount` have no Windows counterpart here.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use vica_core::model::{EventRecord, Reflection};
use vica_core::store::{CursorUpdate, Page};
use vica_core::week::WeekKey;
use vica_core::{Error, Store};

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A tmpfs mounted on a fresh temporary directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// `None` when not root or the mount is refused (no CAP_SYS_ADMIN).
    fn mount(size: &str) -> Option<Tmpfs> {
        if !is_root() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, options: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount -o remount,{options} failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18).unwrap()
}

fn week() -> WeekKey {
    "2026-W47".parse().unwrap()
}

/// What the store holds, in a comparable form: every event and task id with
/// its title, and the week's reflection.
fn contents(store: &Store) -> (Vec<(i64, String, String)>, Option<Reflection>) {
    let from = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2100, 1, 1, 0, 0, 0).unwrap();
    let mut items: Vec<(i64, String, String)> = store
        .events_overlapping(from, to)
        .unwrap()
        .into_iter()
        .map(|e| (e.source_id, e.record.provider_id, e.record.title))
        .collect();
    items.extend(
        store
            .tasks_completed_between(from, to)
            .unwrap()
            .into_iter()
            .map(|t| (t.source_id, t.record.provider_id, t.record.content)),
    );
    items.sort();
    let reflection = store.reflection(week()).unwrap().map(|(r, _)| r);
    (items, reflection)
}

/// A store at `path` with the demo world and a reflection in it.
fn filled(path: &Path) -> Store {
    let mut store = Store::open(path).unwrap();
    let summary = vica_core::demo::install(&mut store, today()).unwrap();
    assert!(summary.events > 100 && summary.tasks > 50, "{summary:?}");
    store
        .save_reflection(
            week(),
            &Reflection {
                went_well: "Shipped the fault suite".into(),
                ..Reflection::default()
            },
        )
        .unwrap();
    store
}

/// A demo event to copy, so the test keeps compiling as records grow fields.
fn template_event() -> (String, EventRecord) {
    let world = vica_core::demo::world(today(), chrono_tz::Europe::Berlin);
    let source = &world[0].sources[0];
    (source.record.provider_id.clone(), source.events[0].clone())
}

fn source_id(store: &Store, provider_id: &str) -> i64 {
    store
        .sources()
        .unwrap()
        .into_iter()
        .find(|s| s.provider_id == provider_id)
        .unwrap()
        .id
}

fn assert_intact(path: &Path, expected: &(Vec<(i64, String, String)>, Option<Reflection>)) {
    let store = Store::open(path).unwrap();
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
    assert_eq!(&contents(&store), expected, "something stored was lost");
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn a_read_only_data_dir_gives_a_clear_error_and_loses_nothing() {
    let tmpfs = Tmpfs::mount("64m");
    let plain = tempfile::tempdir().unwrap();
    let dir = tmpfs.as_ref().map_or(plain.path(), Tmpfs::path);
    let db = dir.join("vica.db");
    let expected = {
        let store = filled(&db);
        contents(&store)
    }; // closed: the WAL is checkpointed into the file

    // Read-only in a way that stops root as well when we can.
    let set_read_only = |on: bool| match &tmpfs {
        Some(t) => t.remount(if on { "ro" } else { "rw" }),
        None => {
            use std::os::unix::fs::PermissionsExt;
            let (d, f) = if on { (0o555, 0o444) } else { (0o755, 0o644) };
            for file in files_under(dir) {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(f)).unwrap();
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(d)).unwrap();
        }
    };
    set_read_only(true);
    let before: Vec<(PathBuf, Vec<u8>)> = files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();

    let err = Store::open(&db).unwrap_err();
    assert!(matches!(err, Error::ReadOnly), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("read-only") && message.contains("VICA_DATA_DIR"),
        "the message should say what is wrong and what to do: {message}"
    );
    // A fresh database in the read-only folder is refused the same way.
    let err = Store::open(&dir.join("other.db")).unwrap_err();
    assert!(matches!(err, Error::ReadOnly), "{err:?}");

    // Nothing was touched.
    let after: Vec<(PathBuf, Vec<u8>)> = files_under(dir)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    assert_eq!(before, after, "a refused open changed the data dir");

    set_read_only(false);
    assert_intact(&db, &expected);
}

#[test]
fn a_full_disk_fails_the_write_cleanly_and_loses_nothing() {
    let Some(tmpfs) = Tmpfs::mount("4m") else {
        eprintln!("skipped: filling a disk needs root to mount a small tmpfs");
        return;
    };
    let db = tmpfs.path().join("vica.db");
    let mut store = filled(&db);
    let (calendar, template) = template_event();
    let source = source_id(&store, &calendar);
    let before = contents(&store);

    // Pages of big events until the disk is full.
    let mut written = 0;
    let err = loop {
        let events = (0..20)
            .map(|i| {
                let mut e = template.clone();
                e.provider_id = format!("big-{written}-{i}");
                e.title = format!("Filler {written}-{i}");
                e.description = Some("x".repeat(64 * 1024));
                e
            })
            .collect();
        let page = Page {
            events,
            ..Page::default()
        };
        match store.write_page(source, &page, CursorUpdate::Set(format!("c{written}"))) {
            Ok(_) => written += 1,
            Err(e) => break e,
        }
        assert!(written < 1000, "the 4 MiB disk never filled up");
    };
    assert!(matches!(err, Error::DiskFull), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("full") && message.contains("free some disk space"),
        "{message}"
    );

    // The failed page left nothing behind; the ones before it are all there.
    let (items, reflection) = contents(&store);
    assert_eq!(reflection, before.1);
    let fillers = items
        .iter()
        .filter(|(_, id, _)| id.starts_with("big-"))
        .count();
    assert_eq!(fillers, written * 20, "a page was half written");
    for item in &before.0 {
        assert!(items.contains(item), "{item:?} was lost");
    }
    assert_eq!(
        store.sync_state(source).unwrap().and_then(|s| s.cursor),
        (written > 0).then(|| format!("c{}", written - 1)),
        "the cursor moved without its page"
    );
    // Reads still work on the full disk, and so does the integrity check.
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);

    // Once there is room again, writing works and nothing is missing.
    tmpfs.remount("size=64m");
    store
        .save_reflection(
            week(),
            &Reflection {
                went_well: "Room again".into(),
                ..Reflection::default()
            },
        )
        .unwrap();
    let expected = contents(&store);
    drop(store);
    assert_intact(&db, &expected);
}

/// Run by [`a_database_locked_by_another_process_gives_a_clear_error`] as a
/// child process: holds a write transaction on the database named by
/// `VICA_LOCK_CHILD_DB` until its stdin closes (or for `VICA_LOCK_CHILD_MS`).
#[test]
fn child_holding_a_write_lock() {
    let Ok(db) = std::env::var("VICA_LOCK_CHILD_DB") else {
        return; // only does something as the child
    };
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET key = key;")
        .unwrap();
    println!("\nlocked");
    std::io::stdout().flush().unwrap();
    match std::env::var("VICA_LOCK_CHILD_MS") {
        Ok(ms) => std::thread::sleep(Duration::from_millis(ms.parse().unwrap())),
        Err(_) => {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
    }
    conn.execute_batch("ROLLBACK").unwrap();
}

/// Starts [`child_holding_a_write_lock`] and waits until it holds the lock.
fn lock_in_child(db: &Path, hold_ms: Option<u64>) -> std::process::Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "child_holding_a_write_lock",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("VICA_LOCK_CHILD_DB", db)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped());
    if let Some(ms) = hold_ms {
        cmd.env("VICA_LOCK_CHILD_MS", ms.to_string());
    }
    let mut child = cmd.spawn().unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    let mut seen = Vec::new();
    loop {
        let Some(line) = lines.next() else {
            panic!("the child ended before taking the lock: {seen:?}");
        };
        let line = line.unwrap();
        if line.trim_end().ends_with("locked") {
            break;
        }
        seen.push(line);
    }
    // Keep reading, so the child's last words do not meet a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    child
}

#[test]
fn a_database_locked_by_another_process_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vica.db");
    let expected = contents(&filled(&db));
    let store = Store::open(&db).unwrap();

    // A lock held for a moment is waited out.
    let mut child = lock_in_child(&db, Some(400));
    let started = Instant::now();
    store
        .save_reflection(week(), &expected.1.clone().unwrap())
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "the lock was not held"
    );
    assert!(child.wait().unwrap().success());

    // A lock held for longer than Vica waits gives a clear error.
    let mut child = lock_in_child(&db, None);
    // Reads go on while another process writes (WAL).
    assert_eq!(contents(&store), expected);
    let started = Instant::now();
    let err = store
        .save_reflection(
            week(),
            &Reflection {
                went_well: "Blocked".into(),
                ..Reflection::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "gave up too early"
    );
    let message = err.to_string();
    assert!(
        message.contains("locked by another program") && message.contains("try again"),
        "{message}"
    );
    // Opening a second store while the other process writes works too (reads only).
    let second = Store::open(&db).unwrap();
    assert_eq!(contents(&second), expected);
    drop(second);

    drop(child.stdin.take()); // the other process lets go
    assert!(child.wait().unwrap().success());
    assert_eq!(contents(&store), expected, "the refused write left a trace");
    drop(store);
    assert_intact(&db, &expected);
}
