//! Settings: one row per key, the value as JSON.

use rusqlite::params;

use super::Store;
use crate::Result;
use crate::settings::Settings;

impl Store {
    /// The user's settings; keys never set take their defaults.
    pub fn settings(&self) -> Result<Settings> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key, value FROM settings")?;
        let mut map = serde_json::Map::new();
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (key, value) = row?;
            // A value this version cannot read falls back to its default.
            if let Ok(v) = serde_json::from_str(&value) {
                map.insert(key, v);
            }
        }
        let defaults = Settings::default();
        let settings: Settings = serde_json::from_value(serde_json::Value::Object(map.clone()))
            .or_else(|_| {
                // Drop keys one by one until the rest parses: one bad value never loses the others.
                let mut good = serde_json::Map::new();
                for (k, v) in map {
                    let mut trial = good.clone();
                    trial.insert(k, v);
                    if serde_json::from_value::<Settings>(serde_json::Value::Object(trial.clone()))
                        .is_ok()
                    {
                        good = trial;
                    }
                }
                serde_json::from_value(serde_json::Value::Object(good))
            })
            .unwrap_or(defaults);
        Ok(settings)
    }

    /// Validates and saves all settings in one transaction.
    pub fn save_settings(&mut self, settings: &Settings) -> Result<()> {
        settings.validate()?;
        let value = serde_json::to_value(settings).map_err(|e| crate::Error::InvalidSetting {
            key: "settings".into(),
            reason: e.to_string(),
        })?;
        let tx = self.conn.transaction()?;
        if let serde_json::Value::Object(map) = value {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?;
            for (k, v) in map {
                stmt.execute(params![k, v.to_string()])?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
