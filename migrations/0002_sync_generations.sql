-- Full listings sweep what they did not return.
-- A full sync (the first one, or after a provider invalidates a sync token)
-- stamps every item it writes with the source's current generation; its last
-- page deletes the source's items inside the sync window that carry an older
-- stamp. Items outside the window (older history) are kept.
ALTER TABLE sync_state ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
