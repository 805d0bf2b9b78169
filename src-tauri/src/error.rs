//! The error the UI receives when a command fails.

use serde::Serialize;

/// A failure as the UI sees it: a stable machine-readable `code` and a
/// message meant for people.
///
/// Codes: `invalid_week`, `invalid_setting`, `database`, `disk_full`,
/// `read_only`, `busy`, `not_found`, `io`, `clipboard`, `internal`, the
/// application layer's ([`vica_api::Error::code`]: the account codes,
/// `network` for a provider out of reach) and the link codes of their module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for IpcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for IpcError {}

/// The store's and the exports' errors get their codes from the application
/// layer ([`vica_api::Error::code`]), the one place that names them.
impl From<vica_core::Error> for IpcError {
    fn from(err: vica_core::Error) -> IpcError {
        vica_api::Error::from(err).into()
    }
}

impl From<vica_core::export::ExportError> for IpcError {
    fn from(err: vica_core::export::ExportError) -> IpcError {
        vica_api::Error::from(err).into()
    }
}

impl From<vica_api::Error> for IpcError {
    fn from(err: vica_api::Error) -> IpcError {
        IpcError::new(err.code(), err.to_string())
    }
}

/// What commands return.
pub type IpcResult<T> = Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_message_and_get_a_code() {
        let err: IpcError = "2026-47"
            .parse::<vica_core::week::WeekKey>()
            .unwrap_err()
            .into();
        assert_eq!(err.code, "invalid_week");
        assert!(err.message.contains("2026-W47"), "{}", err.message);
        let err: IpcError = vica_core::Error::NotFound("account 7".into()).into();
        assert_eq!(
            (err.code.as_str(), err.message.as_str()),
            ("not_found", "account 7 not found")
        );
    }

    #[test]
    fn storage_faults_get_codes_the_window_can_explain() {
        let cases = [
            (vica_core::Error::DiskFull, "disk_full"),
            (vica_core::Error::ReadOnly, "read_only"),
            (vica_core::Error::Busy { seconds: 5 }, "busy"),
        ];
        for (err, code) in cases {
            let message = err.to_string();
            let ipc = IpcError::from(err);
            assert_eq!(ipc.code, code);
            assert_eq!(ipc.message, message);
        }
    }

    #[test]
    fn serializes_as_code_and_message() {
        let json = serde_json::to_value(IpcError::new("database", "disk full")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "code": "database", "message": "disk full" })
        );
    }
}
