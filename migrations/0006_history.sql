-- History a provider forgets: completions kept for good, and what could be read.
-- A completion of a recurring Todoist task is only in Todoist's activity log,
-- which reaches back as many days as the account's plan keeps (a week on the
-- free plan). Vica keeps such completions for good: a `kept` row is never
-- swept by a full listing that no longer finds it; only an explicit deletion
-- removes it. Written only by sync.
ALTER TABLE tasks ADD COLUMN kept INTEGER NOT NULL DEFAULT 0 CHECK (kept IN (0, 1));

-- The spans of a source's history its listings asked for (`read` = 0) and the
-- spans they could read in full (`read` = 1), each kind merged as it is
-- written. Where a span was asked for and never read (the log no longer
-- reached back that far when Vica synced), completions may be missing, and
-- the review of those days says so. Written only by sync.
CREATE TABLE history_spans (
    source_id INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    read      INTEGER NOT NULL CHECK (read IN (0, 1)),
    start_utc INTEGER NOT NULL,
    end_utc   INTEGER NOT NULL,
    CHECK (end_utc > start_utc)
);
CREATE INDEX history_spans_source ON history_spans (source_id, read, start_utc);
