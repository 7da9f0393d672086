//! Whether a case's numbers can be trusted ([`Status`]) and the reason its
//! record gives when they cannot: shared by the view model and the
//! warnings, so that neither imports the other for it.

use std::fmt;

use serde::Serialize;

use crate::{CaseRecord, CaseStatus, Lang};

/// Whether a case's numbers can be trusted, as every table shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Ran and matched the seq reference.
    Ok,
    /// Crashed, timed out or computed a different answer.
    Failed,
    /// Ran, but its digests were not checked against a seq reference.
    Unverified,
    /// Not run: this machine cannot run it (no Python interpreter).
    /// Neither a success nor a failure, and never drawn.
    Skipped,
}

impl Status {
    /// The status of case `c`.
    pub fn of(c: &CaseRecord) -> Status {
        match (c.status, c.verification.verified) {
            (CaseStatus::Failed, _) => Status::Failed,
            (CaseStatus::Skipped, _) => Status::Skipped,
            (CaseStatus::Ok, false) => Status::Unverified,
            (CaseStatus::Ok, true) => Status::Ok,
        }
    }

    /// `ok`, `failed`, `unverified` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Failed => "failed",
            Status::Unverified => "unverified",
            Status::Skipped => "skipped",
        }
    }
}

impl Status {
    /// Its word for a reader in `lang`: `ok` / «ок», `failed` / «сбой»,
    /// `unverified` / «не проверен», `skipped` / «не запущен».
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Status::Ok => lang.pick("ok", "ок"),
            Status::Failed => lang.pick("failed", "сбой"),
            Status::Unverified => lang.pick("unverified", "не проверен"),
            Status::Skipped => lang.pick("skipped", "не запущен"),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reason a case with `status` records (`no reason recorded` when
/// its record says none); `None` for a case of another status.
fn reason_if(c: &CaseRecord, status: CaseStatus) -> Option<String> {
    (c.status == status).then(|| {
        c.failure
            .as_ref()
            .map_or_else(|| "no reason recorded".into(), |f| f.reason.clone())
    })
}

/// Why a failed case failed; `None` for a case that did not fail.
pub(crate) fn failure_reason(c: &CaseRecord) -> Option<String> {
    reason_if(c, CaseStatus::Failed)
}

/// Why a skipped case was not run; `None` for a case that was not
/// skipped.
pub(crate) fn skip_reason(c: &CaseRecord) -> Option<String> {
    reason_if(c, CaseStatus::Skipped)
}
