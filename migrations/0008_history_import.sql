-- History import: how far back each source's import of its past has reached.
-- The user asks for history back to a day (`Settings::history_since`); each
-- source's past before the sync window is listed in chunks walking backwards
-- from where the window started when the import began. `reached` is the
-- instant from which on everything up to that start is in the store; while a
-- chunk is under way, `chunk_start` is its start (it ends at `reached`) and
-- `page` the provider's position inside it. The row is written in the same
-- transaction as the page it follows, so an import killed at any point
-- resumes from the last committed page and fetches nothing twice. `stopped`
-- says why the last run ended before `since` (cleared when it goes on).
-- Written only by sync.
CREATE TABLE history_imports (
    source_id   INTEGER PRIMARY KEY REFERENCES sources (id) ON DELETE CASCADE,
    since       TEXT    NOT NULL,
    since_utc   INTEGER NOT NULL,
    reached_utc INTEGER NOT NULL,
    chunk_start INTEGER,
    page        TEXT,
    stopped     TEXT,
    CHECK (page IS NULL OR chunk_start IS NOT NULL)
);
