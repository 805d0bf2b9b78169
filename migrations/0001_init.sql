-- Vica schema, version 1.
-- Shipped migrations are never edited: add a new numbered file instead.
-- Instants are UTC seconds since the Unix epoch (INTEGER); calendar dates are
-- ISO 8601 text (YYYY-MM-DD); time zones are IANA names.

-- A connected provider account. Tokens never live here: only the name of the
-- keychain entry that holds them (NULL for the built-in demo account).
CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    provider       TEXT    NOT NULL CHECK (provider IN ('google', 'microsoft', 'todoist', 'ics')),
    label          TEXT    NOT NULL,
    keychain_entry TEXT,
    is_demo        INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
    status         TEXT    NOT NULL DEFAULT 'ok' CHECK (status IN ('ok', 'needs_reconnect')),
    created_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX accounts_provider_label ON accounts (provider, label);

-- A calendar or a task project of an account.
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('calendar', 'project')),
    provider_id TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    color       TEXT,
    included    INTEGER NOT NULL DEFAULT 1 CHECK (included IN (0, 1)),
    is_primary  INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    access_role TEXT,
    gone        INTEGER NOT NULL DEFAULT 0 CHECK (gone IN (0, 1)),
    UNIQUE (account_id, provider_id)
);

-- Calendar events. Timed events carry UTC instants and the event's own zone;
-- all-day events carry floating dates (end exclusive) and, for range queries,
-- the same dates as UTC midnights.
CREATE TABLE events (
    id             INTEGER PRIMARY KEY,
    source_id      INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    provider_id    TEXT    NOT NULL,
    title          TEXT    NOT NULL DEFAULT '',
    description    TEXT,
    location       TEXT,
    all_day        INTEGER NOT NULL CHECK (all_day IN (0, 1)),
    start_utc      INTEGER NOT NULL,
    end_utc        INTEGER NOT NULL,
    start_date     TEXT,
    end_date       TEXT,
    time_zone      TEXT,
    status         TEXT    NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'tentative', 'cancelled')),
    my_response    TEXT    CHECK (my_response IN ('accepted', 'declined', 'tentative', 'needs_action')),
    is_organizer   INTEGER NOT NULL DEFAULT 0 CHECK (is_organizer IN (0, 1)),
    attendee_count INTEGER NOT NULL DEFAULT 0,
    series_id      TEXT,
    link           TEXT,
    updated_at     INTEGER,
    CHECK (end_utc >= start_utc),
    UNIQUE (source_id, provider_id)
);
CREATE INDEX events_start ON events (start_utc);
-- Lets the week query bound its scan by the longest event in the store.
CREATE INDEX events_span ON events (end_utc - start_utc);

-- Tasks of a project: completed ones (completed_at set) and open ones with a due date.
CREATE TABLE tasks (
    id           INTEGER PRIMARY KEY,
    source_id    INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    provider_id  TEXT    NOT NULL,
    content      TEXT    NOT NULL DEFAULT '',
    description  TEXT,
    section      TEXT,
    labels       TEXT    NOT NULL DEFAULT '[]',
    priority     INTEGER NOT NULL DEFAULT 1,
    due_date     TEXT,
    completed_at INTEGER,
    link         TEXT,
    updated_at   INTEGER,
    UNIQUE (source_id, provider_id)
);
CREATE INDEX tasks_completed ON tasks (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX tasks_due ON tasks (due_date) WHERE completed_at IS NULL;

-- Where each source's sync stands. The cursor is committed with the page it follows.
CREATE TABLE sync_state (
    source_id       INTEGER PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
    cursor          TEXT,
    last_attempt_at INTEGER,
    last_success_at INTEGER,
    last_error      TEXT
);

-- The user's reflection per week. Written only by the user, never by sync.
CREATE TABLE reviews (
    week_key     TEXT PRIMARY KEY,
    went_well    TEXT NOT NULL DEFAULT '',
    didnt_go_well TEXT NOT NULL DEFAULT '',
    focus_next   TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    edited_at    INTEGER NOT NULL
);

-- User settings as JSON values by key (week_start, time_zone, sync_interval_minutes, ...).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
