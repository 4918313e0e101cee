//! The output folder, written atomically: everything goes to a hidden sibling
//! `.<name>.partial/`, which replaces `<name>/` by rename only once the run has succeeded.
//! A failed or killed run leaves the previous output untouched (a stale `.partial` folder is
//! removed by the next run).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct OutputDir {
    final_path: PathBuf,
    partial: PathBuf,
    /// Files written so far, relative to the folder, `/`-separated.
    written: Vec<String>,
}

fn sibling(path: &Path, suffix: &str) -> Result<PathBuf> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::Config(format!("output `{}` has no folder name", path.display())))?;
    Ok(path.with_file_name(format!(".{name}.{suffix}")))
}

impl OutputDir {
    pub fn create(final_path: &Path) -> Result<OutputDir> {
        let partial = sibling(final_path, "partial")?;
        if partial.exists() {
            std::fs::remove_dir_all(&partial).map_err(Error::io(&partial))?;
        }
        std::fs::create_dir_all(&partial).map_err(Error::io(&partial))?;
        Ok(OutputDir {
            final_path: final_path.to_path_buf(),
            partial,
            written: Vec::new(),
        })
    }

    /// Absolute path for a file to be written at `rel` (its folder is created).
    pub fn path(&mut self, rel: &str) -> Result<PathBuf> {
        let p = self.partial.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        self.written.push(rel.to_string());
        Ok(p)
    }

    pub fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<()> {
        let p = self.path(rel)?;
        std::fs::write(&p, bytes).map_err(Error::io(&p))
    }

    /// Files written so far, sorted, with their absolute paths.
    pub fn files(&self) -> Vec<(String, PathBuf)> {
        let mut v: Vec<_> = self
            .written
            .iter()
            .map(|r| (r.clone(), self.partial.join(r)))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Moves the finished folder into place, replacing the previous output.
    pub fn commit(self) -> Result<PathBuf> {
        let old = sibling(&self.final_path, "old")?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(Error::io(&old))?;
        }
        if self.final_path.exists() {
            std::fs::rename(&self.final_path, &old).map_err(Error::io(&self.final_path))?;
        }
        std::fs::rename(&self.partial, &self.final_path).map_err(Error::io(&self.partial))?;
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(Error::io(&old))?;
        }
        Ok(self.final_path.clone())
    }

    /// Removes the unfinished folder (on error).
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.partial);
    }
}
