//! Conversions between domain values and SQLite columns.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::{FromSqlError, Type};

/// A UTC instant as stored: seconds since the epoch.
pub(crate) fn secs(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// Reads seconds since the epoch back into an instant.
pub(crate) fn instant(col: usize, secs: i64) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            Type::Integer,
            Box::new(FromSqlError::OutOfRange(secs)),
        )
    })
}

pub(crate) fn opt_instant(
    col: usize,
    secs: Option<i64>,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    secs.map(|s| instant(col, s)).transpose()
}

/// Parses an ISO date column.
pub(crate) fn date(col: usize, text: &str) -> rusqlite::Result<NaiveDate> {
    text.parse::<NaiveDate>()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(col, Type::Text, Box::new(e)))
}

pub(crate) fn opt_date(col: usize, text: Option<String>) -> rusqlite::Result<Option<NaiveDate>> {
    text.as_deref().map(|t| date(col, t)).transpose()
}

/// Parses a text column through `FromStr`-like mapping.
pub(crate) fn parse<T>(
    col: usize,
    text: &str,
    f: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    f(text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            col,
            Type::Text,
            format!("unexpected value {text:?}").into(),
        )
    })
}
