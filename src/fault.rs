//! Fault injection 故障注入, for the crash test only: with `SIFUND_FAULT_KILL_AT=n` the process
//! kills itself with SIGKILL — as a power cut or the OOM killer would — at the n-th crash
//! point. Crash points sit wherever the output's bytes or names change (a file begun, a row
//! group written, each step of the commit), so the test can stop a run at every one of them in
//! turn instead of guessing with timers. `SIFUND_FAULT_NO_EXCHANGE` makes the commit take its
//! two-rename path, as on a filesystem without `RENAME_EXCHANGE`.
//!
//! Unset (always, outside tests), a crash point costs one atomic load.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

static KILL_AT: OnceLock<Option<u64>> = OnceLock::new();
static PASSED: AtomicU64 = AtomicU64::new(0);

/// A place where a crash must leave the previous output whole (or the new one complete).
pub fn crash_point() {
    let at = KILL_AT.get_or_init(|| {
        std::env::var("SIFUND_FAULT_KILL_AT")
            .ok()
            .and_then(|v| v.parse().ok())
    });
    if let Some(n) = *at {
        if PASSED.fetch_add(1, Ordering::SeqCst) + 1 == n {
            // SAFETY: getpid and kill take no pointers; SIGKILL ends the process here.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        }
    }
}

/// Whether the commit must not use `RENAME_EXCHANGE` (to test the fallback).
pub fn no_exchange() -> bool {
    std::env::var_os("SIFUND_FAULT_NO_EXCHANGE").is_some()
}
