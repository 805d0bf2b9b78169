-- What an ICS calendar's items expanded into, per item: the state that lets a
-- sync read only what changed. An item is one file of a folder (a vdir), or
-- the one file or feed of a calendar at a single location (`name` = '').
-- Written only by sync, in the transaction of the page it describes.
--
-- `stamp` says the item is unchanged without reading it: a local file's size,
-- modification time (ns) and inode; a feed's ETag and Last-Modified.
-- `content` is a hash of the bytes last read, so a touched file whose bytes
-- are the same is not expanded again. `spent_occurrences` and `spent_bytes`
-- are what expanding it took from the calendar's budget (a folder's files
-- share one), so the share of the files not read is summed, not recomputed.
-- `reach` is the earliest start (UTC seconds) of an occurrence the item holds
-- after the window it was expanded into (NULL: none); it is read again when
-- the sync window's end passes it.
CREATE TABLE ics_files (
    source_id         INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    stamp             TEXT    NOT NULL,
    content           TEXT    NOT NULL,
    spent_occurrences INTEGER NOT NULL CHECK (spent_occurrences >= 0),
    spent_bytes       INTEGER NOT NULL CHECK (spent_bytes >= 0),
    reach             INTEGER,
    PRIMARY KEY (source_id, name)
) WITHOUT ROWID;

-- Each occurrence an item expanded into, inside the window: its provider id
-- (the event's in `events`), a hash of the record stored, and its span (UTC
-- seconds; all-day dates at UTC midnight). Two files holding the same id:
-- the one last by name is the one stored in `events`.
CREATE TABLE ics_occurrences (
    source_id   INTEGER NOT NULL,
    file        TEXT    NOT NULL,
    provider_id TEXT    NOT NULL,
    hash        TEXT    NOT NULL,
    start_utc   INTEGER NOT NULL,
    end_utc     INTEGER NOT NULL,
    PRIMARY KEY (source_id, file, provider_id),
    FOREIGN KEY (source_id, file) REFERENCES ics_files (source_id, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX ics_occurrences_by_id ON ics_occurrences (source_id, provider_id);
