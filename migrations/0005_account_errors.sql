-- Why the last refresh of an account's calendar or project list failed (the
-- network, a provider error, a listing that could not be read), so Accounts
-- can say so after a restart; cleared by the next refresh that succeeds.
-- Sign-in failures set `accounts.status` instead. Written only by sync.
CREATE TABLE account_errors (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    error      TEXT    NOT NULL
);
