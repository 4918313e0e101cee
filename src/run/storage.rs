//! Where the partitioned run keeps its work 工作区: a shared folder (a path or `file://…`) or
//! S3-compatible object storage (`s3://bucket/prefix`, the `object_store` crate; credentials,
//! region and endpoint from the usual `AWS_*` variables: `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP=true` for a
//! plain-HTTP endpoint).
//!
//! Files are made locally and then published whole: renamed into place in a folder, uploaded
//! as one object (a PUT replaces an object atomically) to object storage. Parquet is read from
//! a local copy (the file itself in a folder; downloaded into a scratch folder, removed at the
//! end, from object storage). An object storage failure is an I/O error (exit 3, worth a
//! retry); a missing object is reported by the caller as bad input (exit 2).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::{ObjectStore, ObjectStoreExt};

use crate::error::{Error, Result};

pub enum Work {
    Folder(PathBuf),
    Objects(Objects),
}

pub struct Objects {
    url: String,
    store: Arc<dyn ObjectStore>,
    prefix: String,
    rt: tokio::runtime::Runtime,
    scratch: PathBuf,
}

fn io(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("object storage: {what}: {e}"))
}

impl Work {
    pub fn open(spec: &str) -> Result<Work> {
        if let Some(rest) = spec.strip_prefix("s3://") {
            return Objects::open(spec, rest).map(Work::Objects);
        }
        if spec.contains("://") && !spec.starts_with("file://") {
            return Err(Error::Config(format!(
                "--work {spec}: a folder, a file:// URL or an s3:// URL"
            )));
        }
        let root = PathBuf::from(spec.strip_prefix("file://").unwrap_or(spec));
        std::fs::create_dir_all(&root).map_err(Error::io(&root))?;
        Ok(Work::Folder(root))
    }

    /// The name of `rel` in messages.
    pub fn name(&self, rel: &str) -> String {
        match self {
            Work::Folder(root) => root.join(rel).display().to_string(),
            Work::Objects(o) => format!("{}/{rel}", o.url.trim_end_matches('/')),
        }
    }

    /// A local path to make `rel` at (its folder created); published by [`Work::commit`].
    pub fn temp(&self, rel: &str) -> Result<PathBuf> {
        let p = match self {
            Work::Folder(root) => root.join(format!("{rel}.tmp-{}", std::process::id())),
            Work::Objects(o) => o.scratch.join("out").join(rel),
        };
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        Ok(p)
    }

    /// Publishes a file made at [`Work::temp`] as `rel`, whole.
    pub fn commit(&self, temp: &Path, rel: &str) -> Result<()> {
        match self {
            Work::Folder(root) => std::fs::rename(temp, root.join(rel)).map_err(Error::io(temp)),
            Work::Objects(o) => {
                let bytes = std::fs::read(temp).map_err(Error::io(temp))?;
                o.put(rel, bytes)?;
                std::fs::remove_file(temp).map_err(Error::io(temp))
            }
        }
    }

    pub fn put(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        match self {
            Work::Folder(_) => {
                let t = self.temp(rel)?;
                std::fs::write(&t, bytes).map_err(Error::io(&t))?;
                self.commit(&t, rel)
            }
            Work::Objects(o) => o.put(rel, bytes.to_vec()),
        }
    }

    /// `rel`'s bytes, or `None` if there is no such file.
    pub fn get(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Work::Folder(root) => match std::fs::read(root.join(rel)) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::io(root.join(rel))(e)),
            },
            Work::Objects(o) => o.get(rel),
        }
    }

    /// A local file holding `rel`, to be read (bad input if there is none).
    pub fn fetch(&self, rel: &str) -> Result<PathBuf> {
        match self {
            Work::Folder(root) => {
                let p = root.join(rel);
                match p.is_file() {
                    true => Ok(p),
                    false => Err(Error::input(format!("{}: missing", p.display()))),
                }
            }
            Work::Objects(o) => {
                let bytes = o
                    .get(rel)?
                    .ok_or_else(|| Error::input(format!("{}: missing", self.name(rel))))?;
                let p = o.scratch.join("in").join(rel);
                if let Some(dir) = p.parent() {
                    std::fs::create_dir_all(dir).map_err(Error::io(dir))?;
                }
                std::fs::write(&p, bytes).map_err(Error::io(&p))?;
                Ok(p)
            }
        }
    }
}

impl Objects {
    fn open(url: &str, rest: &str) -> Result<Objects> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(Error::Config(format!("--work {url}: no bucket")));
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| Error::Config(format!("--work {url}: {e}")))?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| io("runtime", e))?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let scratch = std::env::temp_dir().join(format!("sifund-{}-{stamp}", std::process::id()));
        Ok(Objects {
            url: url.to_string(),
            store: Arc::new(store),
            prefix: prefix.trim_matches('/').to_string(),
            rt,
            scratch,
        })
    }

    fn key(&self, rel: &str) -> object_store::path::Path {
        match self.prefix.is_empty() {
            true => object_store::path::Path::from(rel),
            false => object_store::path::Path::from(format!("{}/{rel}", self.prefix)),
        }
    }

    fn put(&self, rel: &str, bytes: Vec<u8>) -> Result<()> {
        let key = self.key(rel);
        self.rt
            .block_on(self.store.put(&key, bytes.into()))
            .map(|_| ())
            .map_err(|e| io(&format!("put {key}"), e))
    }

    fn get(&self, rel: &str) -> Result<Option<Vec<u8>>> {
        let key = self.key(rel);
        let got = self.rt.block_on(async {
            match self.store.get(&key).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        got.map(|b| b.map(|b| b.to_vec()))
            .map_err(|e| io(&format!("get {key}"), e))
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.scratch);
    }
}
