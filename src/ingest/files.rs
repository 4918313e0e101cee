//! Where a table's Parquet files are: `<table>.parquet`, or a folder `<table>/` of Parquet
//! files, possibly in Hive partition folders (`region=440100/part-0.parquet`).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One Parquet file of a table, with the column values its Hive folders give.
#[derive(Debug, Clone)]
pub struct TableFile {
    pub path: PathBuf,
    /// Path relative to the dataset folder, `/`-separated (for reports and the manifest).
    pub rel: String,
    pub hive: Vec<(String, String)>,
}

/// The files of `table` in sorted order, or an empty list if the table is absent.
pub fn table_files(dataset: &Path, table: &str) -> Result<Vec<TableFile>> {
    let single = dataset.join(format!("{table}.parquet"));
    let folder = dataset.join(table);
    let mut out = Vec::new();
    if single.is_file() {
        out.push(TableFile {
            path: single,
            rel: format!("{table}.parquet"),
            hive: vec![],
        });
    }
    if folder.is_dir() {
        walk(&folder, table, &mut Vec::new(), &mut out)?;
    }
    if out.len() > 1 && out[0].rel == format!("{table}.parquet") {
        return Err(Error::input(format!(
            "{}: both {table}.parquet and a folder {table}/ exist; keep one",
            dataset.display()
        )));
    }
    Ok(out)
}

fn walk(
    dir: &Path,
    rel: &str,
    hive: &mut Vec<(String, String)>,
    out: &mut Vec<TableFile>,
) -> Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(Error::io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::result::Result<_, _>>()
        .map_err(Error::io(dir))?;
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if name.starts_with('.') || name.starts_with('_') {
            continue; // hidden and marker files (_SUCCESS, .crc)
        }
        let rel_child = format!("{rel}/{name}");
        if p.is_dir() {
            let pushed = match name.split_once('=') {
                Some((k, v)) => {
                    hive.push((k.to_string(), v.to_string()));
                    true
                }
                None => false,
            };
            walk(&p, &rel_child, hive, out)?;
            if pushed {
                hive.pop();
            }
        } else if name.ends_with(".parquet") {
            out.push(TableFile {
                path: p,
                rel: rel_child,
                hive: hive.clone(),
            });
        }
    }
    Ok(())
}

/// sha256 of a file, hex.
pub fn sha256(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(Error::io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// The sha256 of bytes, hex.
pub fn sha256_bytes(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}
