-- Event kinds and availability, for the attended-time rules and categories.
-- `kind` is what sort of entry an event is (Google `eventType`; Graph and ICS
-- out-of-office / working-elsewhere status); `show_as` how it blocks the
-- user's time (Graph `showAs`, Google `transparency`, ICS `TRANSP` and
-- `X-MICROSOFT-CDO-BUSYSTATUS`). Rows written before this migration are
-- ordinary busy events until their next sync.
ALTER TABLE events ADD COLUMN kind TEXT NOT NULL DEFAULT 'default'
    CHECK (kind IN ('default', 'out_of_office', 'focus_time', 'working_location', 'birthday', 'from_gmail'));
ALTER TABLE events ADD COLUMN show_as TEXT NOT NULL DEFAULT 'busy'
    CHECK (show_as IN ('busy', 'free', 'tentative', 'oof', 'working_elsewhere', 'unknown'));

-- The user's per-series choice: "count this recurring event as focus".
-- Written only by the user, never by sync. `category` is one of the
-- categories, or 'excluded' for "never count this series".
CREATE TABLE series_categories (
    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    series_id TEXT    NOT NULL,
    category  TEXT    NOT NULL CHECK (category IN ('meetings', 'focus', 'personal', 'other', 'excluded')),
    PRIMARY KEY (source_id, series_id)
);
