//! Errors and exit codes (SPEC §3): 2 bad input or config, 3 internal error; nothing written.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input: a file, a column, a type (exit 2). Several at once when found together.
    #[error("{}", .0.join("\n"))]
    Input(Vec<String>),
    /// Bad pipeline file or command line (exit 2).
    #[error("config: {0}")]
    Config(String),
    /// `strict = true` and rows were rejected (exit 2).
    #[error("strict: {0}")]
    Strict(String),
    /// A broken invariant or an I/O failure while writing (exit 3).
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::Config(_) | Error::Strict(_) => 2,
            Error::Internal(_) | Error::Io { .. } => 3,
        }
    }

    pub fn input(msg: impl Into<String>) -> Error {
        Error::Input(vec![msg.into()])
    }

    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Asserts an invariant of the books; a failure is an internal error (exit 3), not a panic.
#[macro_export]
macro_rules! ensure_invariant {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::error::Error::Internal(format!($($arg)+)));
        }
    };
}
