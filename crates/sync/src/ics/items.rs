//! The per-item sync of an ICS calendar: which items to read (a folder's
//! files, or the calendar's one file or feed), the budget they share with
//! the items not read, and what changed, from the state the store keeps per
//! item ([`vica_core::store::IcsFile`], migration 0007).
//!
//! An item is read when it is new, when its stamp changed, or when the
//! window's end passed the first occurrence it holds beyond the window it was
//! expanded into (its `reach`: a one-off event ahead, a series' next
//! occurrence); an item of events the window has left behind is never read
//! for the window's sake. A read item whose bytes are the same is not
//! expanded again. An item that is read is expanded within what the
//! calendar's [`Budget`] has left once the items not read have their stored
//! share. Of the occurrences, only those whose hash changed are handed on,
//! with the ids no item holds any more (inside the window) as deletions.
//! When two files hold the same id, the one last by name is stored, as a
//! full read of the folder would keep it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;

use chrono_tz::Tz;
use vica_core::Store;
use vica_core::model::{EventRecord, EventTime};
use vica_core::store::{IcsFile, IcsFileUpdate, IcsItemsUpdate, IcsOccurrence};

use super::parse::{self, Budget};
use super::{IcsError, source};
use crate::error::{Result, SyncError};
use crate::provider::Window;

/// One item as listed now.
pub struct Listed {
    pub name: String,
    /// Its stamp now (see [`IcsFile::stamp`]).
    pub stamp: String,
    pub body: Body,
}

/// How to get an item's bytes.
pub enum Body {
    /// A local file, read only when needed.
    Path(PathBuf),
    /// Bytes already downloaded.
    Bytes(Vec<u8>),
    /// Unchanged, as the server said (a 304).
    Unchanged,
}

/// What the sync starts from.
pub enum Previous {
    /// Nothing: a full listing, which replaces whatever state is stored.
    Fresh,
    /// The state in the store.
    Stored(Vec<IcsFile>),
    /// A cursor from before the state moved to the store (v1): a hash and
    /// span per occurrence, not per file. Every item is read once; only the
    /// occurrences whose hash differs are written.
    Legacy(BTreeMap<String, (String, i64, i64)>),
}

/// Everything one sync of the items needs.
pub struct Input<'a> {
    pub store: Option<&'a Mutex<Store>>,
    pub source_id: i64,
    pub previous: Previous,
    pub listed: Vec<Listed>,
    /// A folder's files: one that cannot be read is reported, not fatal.
    pub folder: bool,
    pub window: Window,
    pub zone: Tz,
    pub budget: Budget,
    pub max_bytes: u64,
}

/// What to hand the engine.
#[derive(Debug, Default)]
pub struct Outcome {
    pub events: Vec<EventRecord>,
    pub deleted: Vec<String>,
    pub rejected: Vec<(String, String)>,
    /// `None` when no item's state changed.
    pub items: Option<IcsItemsUpdate>,
}

/// A read item: its stamp, a hash of its bytes, and the bytes.
struct Read {
    stamp: String,
    content: String,
    bytes: Vec<u8>,
}

/// An item expanded: its occurrences by id (with the record when it was
/// expanded now; kept ones have none), what it spent and how far it reaches.
struct Expanded {
    occurrences: BTreeMap<String, (IcsOccurrence, Option<EventRecord>)>,
    spent: (u64, u64),
    reach: Option<chrono::DateTime<chrono::Utc>>,
}

pub fn sync(input: Input<'_>) -> Result<Outcome> {
    let Input {
        store,
        source_id,
        previous,
        listed,
        folder,
        window,
        zone,
        budget,
        max_bytes,
    } = input;
    let (stored, legacy, reset) = match previous {
        Previous::Fresh => (BTreeMap::new(), None, true),
        Previous::Legacy(items) => (BTreeMap::new(), Some(items), true),
        Previous::Stored(files) => (
            files
                .into_iter()
                .map(|f| (f.name.clone(), f))
                .collect::<BTreeMap<_, _>>(),
            None,
            false,
        ),
    };
    let db = Db { store, source_id };
    let due = |f: &IcsFile| f.reach.is_some_and(|r| r < window.end);
    let names: BTreeSet<&str> = listed.iter().map(|l| l.name.as_str()).collect();
    let mut removed: Vec<String> = stored
        .keys()
        .filter(|n| !names.contains(n.as_str()))
        .cloned()
        .collect();
    let mut stamp_only: Vec<IcsFile> = Vec::new();
    let mut to_expand: BTreeMap<String, Read> = BTreeMap::new();
    let mut left = max_bytes;
    let mut listed_by_name: BTreeMap<String, Listed> = BTreeMap::new();
    for item in listed {
        let old = stored.get(&item.name);
        // A download is read whatever its validators (a server may send none).
        let need = reset
            || matches!(item.body, Body::Bytes(_))
            || old.is_none_or(|o| o.stamp != item.stamp || due(o));
        if need {
            match read(&item, folder, &mut left)? {
                Got::Bytes(read) => {
                    match old {
                        // The same bytes (under a new stamp: a touched file).
                        Some(o) if o.content == read.content && !due(o) => {
                            if o.stamp != read.stamp {
                                stamp_only.push(IcsFile {
                                    stamp: read.stamp,
                                    ..o.clone()
                                });
                            }
                        }
                        _ => {
                            to_expand.insert(item.name.clone(), read);
                        }
                    }
                }
                Got::Unchanged => {
                    if let Some(o) = old.filter(|o| o.stamp != item.stamp) {
                        stamp_only.push(IcsFile {
                            stamp: item.stamp.clone(),
                            ..o.clone()
                        });
                    }
                }
                Got::Gone => {
                    if old.is_some() {
                        removed.push(item.name.clone());
                    }
                    continue;
                }
            }
        }
        listed_by_name.insert(item.name.clone(), item);
    }
    let removed_set: BTreeSet<String> = removed.iter().cloned().collect();
    // The occurrences stored for an item, read once.
    let mut old_occ: BTreeMap<String, BTreeMap<String, IcsOccurrence>> = BTreeMap::new();
    let load_old = |name: &str,
                    old_occ: &mut BTreeMap<String, BTreeMap<String, IcsOccurrence>>|
     -> Result<()> {
        if !reset && stored.contains_key(name) && !old_occ.contains_key(name) {
            let rows = db.occurrences(name)?;
            old_occ.insert(
                name.to_owned(),
                rows.into_iter()
                    .map(|o| (o.provider_id.clone(), o))
                    .collect(),
            );
        }
        Ok(())
    };
    for name in &removed {
        load_old(name, &mut old_occ)?;
    }
    // Items read again because they hold an id whose stored version goes.
    let mut tried: BTreeSet<String> = BTreeSet::new();
    loop {
        for name in to_expand.keys() {
            load_old(name, &mut old_occ)?;
        }
        // The share of the items not expanded now, as stored.
        let mut spare = budget;
        for f in stored
            .values()
            .filter(|f| !to_expand.contains_key(&f.name) && !removed_set.contains(&f.name))
        {
            let (o, b) = (
                usize::try_from(f.spent_occurrences).unwrap_or(usize::MAX),
                usize::try_from(f.spent_bytes).unwrap_or(usize::MAX),
            );
            spare.occurrences = spare
                .occurrences
                .checked_sub(o)
                .ok_or(IcsError::OverBudget {
                    part: parse::Overdrawn::Occurrences,
                    budget,
                })?;
            spare.bytes = spare.bytes.checked_sub(b).ok_or(IcsError::OverBudget {
                part: parse::Overdrawn::Bytes,
                budget,
            })?;
        }
        let mut expanded: BTreeMap<String, Expanded> = BTreeMap::new();
        let mut rejected: Vec<(String, String)> = Vec::new();
        let mut broken: Vec<(String, String)> = Vec::new();
        let mut protected: Vec<String> = Vec::new();
        for (name, read) in &to_expand {
            let before = spare;
            let old = old_occ.get(name);
            match parse::parse_feed_within(&read.bytes, zone, window, &mut spare) {
                Ok(feed) => {
                    let mut occurrences = BTreeMap::new();
                    for event in feed.events {
                        let record = event.record;
                        let (start, end) = span(&record.time);
                        let occurrence = IcsOccurrence {
                            provider_id: record.provider_id.clone(),
                            hash: parse::short_hash(
                                &serde_json::to_string(&record).unwrap_or_default(),
                            ),
                            start,
                            end,
                        };
                        occurrences.insert(record.provider_id.clone(), (occurrence, Some(record)));
                    }
                    // An event that cannot be read keeps its stored occurrences.
                    for (uid, _) in &feed.rejected {
                        protected.push(uid.clone());
                        for (id, o) in old.into_iter().flatten() {
                            if of_uid(id, uid) && !occurrences.contains_key(id) {
                                occurrences.insert(id.clone(), (o.clone(), None));
                            }
                        }
                    }
                    rejected.extend(feed.rejected);
                    expanded.insert(
                        name.clone(),
                        Expanded {
                            occurrences,
                            spent: (
                                (before.occurrences - spare.occurrences) as u64,
                                (before.bytes - spare.bytes) as u64,
                            ),
                            reach: feed.later,
                        },
                    );
                }
                // Said of the whole calendar's budget, not of what this file had left.
                Err(IcsError::OverBudget { part, .. }) => {
                    return Err(IcsError::OverBudget { part, budget }.into());
                }
                Err(e) if folder => {
                    // A file that cannot be read keeps what it had.
                    broken.push((name.clone(), e.to_string()));
                    let kept = stored.get(name);
                    expanded.insert(
                        name.clone(),
                        Expanded {
                            occurrences: old
                                .into_iter()
                                .flatten()
                                .map(|(id, o)| (id.clone(), (o.clone(), None)))
                                .collect(),
                            spent: kept.map_or((0, 0), |k| (k.spent_occurrences, k.spent_bytes)),
                            reach: kept.and_then(|k| k.reach),
                        },
                    );
                }
                Err(e) => return Err(e.into()),
            }
        }
        if folder
            && !broken.is_empty()
            && broken.len() == listed_by_name.len()
            && to_expand.len() == listed_by_name.len()
        {
            let (name, why) = broken.swap_remove(0);
            return Err(SyncError::from(IcsError::NotCalendar {
                detail: format!("no file of the folder could be read ({name}: {why})"),
            }));
        }
        // Every id whose holders may have changed: who held it, who holds it
        // now among the items read, and (below) who else holds it.
        type Held<'a> = Vec<(&'a str, &'a IcsOccurrence)>;
        type Holds<'a> = Vec<(&'a str, &'a (IcsOccurrence, Option<EventRecord>))>;
        let mut held: BTreeMap<&str, Held<'_>> = BTreeMap::new();
        for name in to_expand.keys().chain(removed.iter()) {
            for (id, o) in old_occ.get(name).into_iter().flatten() {
                held.entry(id.as_str())
                    .or_default()
                    .push((name.as_str(), o));
            }
        }
        let mut holds: BTreeMap<&str, Holds<'_>> = BTreeMap::new();
        for (name, e) in &expanded {
            for (id, o) in &e.occurrences {
                holds
                    .entry(id.as_str())
                    .or_default()
                    .push((name.as_str(), o));
            }
        }
        let ids: BTreeSet<&str> = held.keys().chain(holds.keys()).copied().collect();
        let mut others: BTreeMap<&str, Vec<(String, IcsOccurrence)>> = BTreeMap::new();
        if !reset {
            for id in &ids {
                let holders: Vec<(String, IcsOccurrence)> = db
                    .holders(id)?
                    .into_iter()
                    .filter(|(f, _)| !to_expand.contains_key(f) && !removed_set.contains(f))
                    .collect();
                if !holders.is_empty() {
                    others.insert(id, holders);
                }
            }
        }
        let mut outcome = Outcome::default();
        let mut more: BTreeSet<String> = BTreeSet::new();
        for id in &ids {
            let other = others.get(id).map(Vec::as_slice).unwrap_or_default();
            let old_winner = held
                .get(id)
                .into_iter()
                .flatten()
                .copied()
                .chain(other.iter().map(|(f, o)| (f.as_str(), o)))
                .max_by(|a, b| a.0.cmp(b.0));
            let new_winner = holds
                .get(id)
                .into_iter()
                .flatten()
                .map(|(f, o)| (*f, Some(*o)))
                .chain(other.iter().map(|(f, _)| (f.as_str(), None)))
                .max_by(|a, b| a.0.cmp(b.0));
            match new_winner {
                // Still held by an item not read: stored as it is, unless it
                // takes over from an item read now, whose version was stored.
                Some((file, None)) => {
                    if old_winner.is_none_or(|(f, _)| f != file) {
                        more.insert(file.to_owned());
                    }
                }
                Some((file, Some((occurrence, record)))) => {
                    let before = match &legacy {
                        Some(items) => items.get(*id).map(|(h, _, _)| h.as_str()),
                        None => old_winner
                            .filter(|(f, _)| *f == file)
                            .map(|(_, o)| o.hash.as_str()),
                    };
                    if before != Some(occurrence.hash.as_str())
                        && let Some(record) = record
                    {
                        outcome.events.push(record.clone());
                    }
                }
                None => {
                    let old_span = match &legacy {
                        Some(items) => items.get(*id).map(|(_, s, e)| (*s, *e)),
                        None => old_winner.map(|(_, o)| (o.start, o.end)),
                    };
                    let kept = legacy.is_some()
                        && (!broken.is_empty() || protected.iter().any(|uid| of_uid(id, uid)));
                    // Behind the window it is history, kept in the store.
                    if let Some((s, e)) = old_span
                        && !kept
                        && e > window.start.timestamp()
                        && s < window.end.timestamp()
                    {
                        outcome.deleted.push((*id).to_owned());
                    }
                }
            }
        }
        if let Some(items) = &legacy {
            // Ids the old cursor knew that no item holds now.
            for (id, (_, s, e)) in items {
                let kept = !broken.is_empty() || protected.iter().any(|uid| of_uid(id, uid));
                if !ids.contains(id.as_str())
                    && !kept
                    && *e > window.start.timestamp()
                    && *s < window.end.timestamp()
                {
                    outcome.deleted.push(id.clone());
                }
            }
        }
        // An item not read now holds an id whose stored version is going:
        // read it too, and decide again.
        let mut added = false;
        for name in more {
            if !tried.insert(name.clone()) {
                continue;
            }
            let Some(item) = listed_by_name.get(&name) else {
                continue;
            };
            if let Got::Bytes(read) = read(item, folder, &mut left)? {
                to_expand.insert(name, read);
                added = true;
            }
        }
        if added {
            continue;
        }
        rejected.extend(broken);
        outcome.rejected = rejected;
        let mut files = Vec::new();
        for (name, read) in to_expand {
            let Some(e) = expanded.remove(&name) else {
                continue;
            };
            let old = old_occ.remove(&name).unwrap_or_default();
            let upsert = e
                .occurrences
                .values()
                .filter(|(o, _)| old.get(&o.provider_id).is_none_or(|p| p != o))
                .map(|(o, _)| o.clone())
                .collect();
            let remove = old
                .keys()
                .filter(|id| !e.occurrences.contains_key(*id))
                .cloned()
                .collect();
            files.push(IcsFileUpdate {
                file: IcsFile {
                    name,
                    stamp: read.stamp,
                    content: read.content,
                    spent_occurrences: e.spent.0,
                    spent_bytes: e.spent.1,
                    reach: e.reach,
                },
                upsert,
                remove,
            });
        }
        stamp_only.retain(|f| !files.iter().any(|u| u.file.name == f.name));
        files.extend(stamp_only.into_iter().map(|file| IcsFileUpdate {
            file,
            upsert: Vec::new(),
            remove: Vec::new(),
        }));
        if reset || !files.is_empty() || !removed.is_empty() {
            outcome.items = Some(IcsItemsUpdate {
                reset,
                files,
                removed,
            });
        }
        return Ok(outcome);
    }
}

/// Whether occurrence `id` belongs to the event `uid` (`uid` or `uid/…`).
fn of_uid(id: &str, uid: &str) -> bool {
    id == uid || id.strip_prefix(uid).is_some_and(|r| r.starts_with('/'))
}

enum Got {
    Bytes(Read),
    Unchanged,
    /// A folder's file gone between listing and reading.
    Gone,
}

fn read(item: &Listed, folder: bool, left: &mut u64) -> Result<Got> {
    let bytes = match &item.body {
        Body::Unchanged => return Ok(Got::Unchanged),
        Body::Bytes(b) => b.clone(),
        Body::Path(path) => match source::read_local(path, *left) {
            Ok(Some(b)) => b,
            Ok(None) => return Err(source::too_large_local(path, folder, *left)),
            Err(e) if folder && e.kind() == std::io::ErrorKind::NotFound => return Ok(Got::Gone),
            Err(e) => return Err(source::read_error(path, &e)),
        },
    };
    *left = left.saturating_sub(bytes.len() as u64);
    Ok(Got::Bytes(Read {
        stamp: item.stamp.clone(),
        content: content_hash(&bytes),
        bytes,
    }))
}

fn content_hash(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An event's span as the store keeps it (all-day dates at UTC midnight).
fn span(time: &EventTime) -> (i64, i64) {
    let (s, e) = time.utc_bounds();
    (s.timestamp(), e.timestamp())
}

/// The store's per-item state, when there is a store.
struct Db<'a> {
    store: Option<&'a Mutex<Store>>,
    source_id: i64,
}

impl Db<'_> {
    fn lock(&self) -> Option<std::sync::MutexGuard<'_, Store>> {
        self.store
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn occurrences(&self, file: &str) -> Result<Vec<IcsOccurrence>> {
        match self.lock() {
            Some(store) => Ok(store.ics_occurrences(self.source_id, file)?),
            None => Ok(Vec::new()),
        }
    }

    fn holders(&self, id: &str) -> Result<Vec<(String, IcsOccurrence)>> {
        match self.lock() {
            Some(store) => Ok(store.ics_holders(self.source_id, id)?),
            None => Ok(Vec::new()),
        }
    }
}
