//! Accounts: who Vica reads from. Never tokens.

use chrono::Utc;
use rusqlite::{OptionalExtension, Row, params};

use super::Store;
use super::convert::{instant, parse, secs};
use crate::model::{Account, AccountStatus, Provider};
use crate::{Error, Result};

const COLUMNS: &str = "id, provider, label, keychain_entry, is_demo, status, created_at";

fn account(row: &Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get(0)?,
        provider: parse(1, &row.get::<_, String>(1)?, |s| s.parse().ok())?,
        label: row.get(2)?,
        keychain_entry: row.get(3)?,
        is_demo: row.get(4)?,
        status: parse(5, &row.get::<_, String>(5)?, |s| match s {
            "ok" => Some(AccountStatus::Ok),
            "needs_reconnect" => Some(AccountStatus::NeedsReconnect),
            _ => None,
        })?,
        created_at: instant(6, row.get(6)?)?,
    })
}

impl Store {
    /// Adds an account, or returns the existing one with the same provider and label.
    pub fn add_account(
        &self,
        provider: Provider,
        label: &str,
        keychain_entry: Option<&str>,
        is_demo: bool,
    ) -> Result<Account> {
        self.conn.execute(
            "INSERT INTO accounts (provider, label, keychain_entry, is_demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (provider, label) DO UPDATE SET keychain_entry = excluded.keychain_entry",
            params![
                provider.as_str(),
                label,
                keychain_entry,
                is_demo,
                secs(Utc::now())
            ],
        )?;
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE provider = ?1 AND label = ?2");
        Ok(self
            .conn
            .query_row(&sql, params![provider.as_str(), label], account)?)
    }

    /// All accounts, oldest first.
    pub fn accounts(&self) -> Result<Vec<Account>> {
        let sql = format!("SELECT {COLUMNS} FROM accounts ORDER BY id");
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt
            .query_map([], account)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// One account by id.
    pub fn account(&self, id: i64) -> Result<Account> {
        let sql = format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1");
        self.conn
            .query_row(&sql, [id], account)
            .optional()?
            .ok_or_else(|| Error::NotFound(format!("account {id}")))
    }

    /// Renames an account and sets the keychain entry it keeps its secret under.
    pub fn relabel_account(
        &self,
        id: i64,
        label: &str,
        keychain_entry: Option<&str>,
    ) -> Result<()> {
        let n = self.conn.execute(
            "UPDATE accounts SET label = ?1, keychain_entry = ?2 WHERE id = ?3",
            params![label, keychain_entry, id],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("account {id}")));
        }
        Ok(())
    }

    /// Marks an account as working or as needing the user to reconnect it.
    pub fn set_account_status(&self, id: i64, status: AccountStatus) -> Result<()> {
        let status = match status {
            AccountStatus::Ok => "ok",
            AccountStatus::NeedsReconnect => "needs_reconnect",
        };
        // An account already in that state is not written again.
        let n = self.conn.execute(
            "UPDATE accounts SET status = ?1 WHERE id = ?2 AND status != ?1",
            params![status, id],
        )?;
        if n == 0 {
            // Either already so, or no such account (which is the error).
            self.account(id)?;
        }
        Ok(())
    }

    /// Records why refreshing an account's list of calendars or projects
    /// failed, or (`None`) that it worked.
    pub fn record_account_refresh(&self, id: i64, error: Option<&str>) -> Result<()> {
        match error {
            Some(error) => self.conn.execute(
                "INSERT INTO account_errors (account_id, error) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET error = excluded.error",
                params![id, error],
            )?,
            None => self
                .conn
                .execute("DELETE FROM account_errors WHERE account_id = ?1", [id])?,
        };
        Ok(())
    }

    /// Each account whose last refresh of its list of calendars or projects
    /// failed, with why, by account id.
    pub fn account_errors(&self) -> Result<Vec<(i64, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT account_id, error FROM account_errors ORDER BY account_id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Removes an account with its sources and their cached events and tasks.
    pub fn delete_account(&self, id: i64) -> Result<()> {
        let n = self
            .conn
            .execute("DELETE FROM accounts WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(Error::NotFound(format!("account {id}")));
        }
        Ok(())
    }
}
