//! `If-Match` as the domain sees it. A write checks it after authorisation, so a caller who may
//! not write learns nothing from a 412 or 428.

use crate::error::AppError;

/// The strong ETag of a row version: `"3"`. Every versioned resource uses this form.
pub fn version_etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version of a row that never changes once written (an acknowledgement, an
/// invitation): a write to it honours `If-Match` against this.
pub const IMMUTABLE_VERSION: i64 = 1;

/// The `If-Match` precondition of a write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfMatch {
    Absent,
    /// `*`: any current version.
    Any,
    Version(i64),
    /// A tag this API never issues (weak, or not a version): can never match.
    Unmatchable,
}

impl IfMatch {
    /// Parses the header value (`None`: no header).
    pub fn parse(value: Option<&str>) -> IfMatch {
        match value.map(str::trim) {
            None => IfMatch::Absent,
            Some("*") => IfMatch::Any,
            Some(v) => v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .and_then(|v| v.parse::<i64>().ok())
                .map_or(IfMatch::Unmatchable, IfMatch::Version),
        }
    }

    /// 428 without the header, else as [`IfMatch::check`].
    pub fn check_required(self, current: i64) -> Result<(), AppError> {
        match self {
            IfMatch::Absent => Err(AppError::PreconditionRequired),
            other => other.check(current),
        }
    }

    /// 412 carrying the current ETag unless the caller's version is `current` (or `*`, or no
    /// header at all).
    pub fn check(self, current: i64) -> Result<(), AppError> {
        match self {
            IfMatch::Absent | IfMatch::Any => Ok(()),
            IfMatch::Version(v) if v == current => Ok(()),
            IfMatch::Version(_) | IfMatch::Unmatchable => {
                Err(AppError::PreconditionFailed { current_etag: Some(version_etag(current)), current: None })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks() {
        assert_eq!(IfMatch::parse(Some("\"3\"")), IfMatch::Version(3));
        assert_eq!(IfMatch::parse(Some("W/\"3\"")), IfMatch::Unmatchable);
        assert!(IfMatch::parse(Some("\"3\"")).check(3).is_ok());
        assert!(matches!(IfMatch::Version(2).check(3), Err(AppError::PreconditionFailed { .. })));
        assert!(matches!(IfMatch::Absent.check_required(3), Err(AppError::PreconditionRequired)));
        assert!(IfMatch::Any.check_required(3).is_ok());
    }
}
