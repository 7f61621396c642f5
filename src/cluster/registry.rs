//! Object stores of a scheduler or executor, built from its own environment.
//!
//! A plan names its files by URL (`s3://bucket/key`, `file:///path`) and nothing else: the first
//! time a bucket is read, its store is built from this process's `AWS_*` and `PLIMSOLL_S3_*`
//! variables (or the instance's credential chain) exactly as a local run builds it. So no
//! credential ever travels in a plan, and each machine reads with its own.

use crate::context::S3Config;
use crate::source::s3::{self, S3Location};
use datafusion::common::{DataFusionError, Result};
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use object_store::ObjectStore;
use std::sync::Arc;
use url::Url;

/// Local files (registered by default) and any S3 bucket, on first use.
#[derive(Debug, Default)]
pub struct EnvRegistry {
    known: DefaultObjectStoreRegistry,
}

impl EnvRegistry {
    pub fn new() -> Self {
        Self::default()
    }
}

impl ObjectStoreRegistry for EnvRegistry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> Result<Arc<dyn ObjectStore>> {
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        if url.scheme() != "s3" {
            return self.known.get_store(url);
        }
        let bucket = url.host_str().unwrap_or_default().to_string();
        let loc = S3Location {
            bucket,
            prefix: String::new(),
        };
        // The message names the bucket and the variables to check, never a key.
        let store = s3::store(&S3Config::from_env(), &loc).map_err(|e| {
            DataFusionError::Configuration(format!("{e}; {}", e.hint().unwrap_or_default()))
        })?;
        let base =
            Url::parse(&loc.bucket_url()).map_err(|e| DataFusionError::Internal(e.to_string()))?;
        self.known.register_store(&base, store.clone());
        Ok(store)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_files_and_buckets_resolve() {
        let r = EnvRegistry::new();
        assert!(
            r.get_store(&Url::parse("file:///tmp/x.parquet").unwrap())
                .is_ok()
        );
        let a = r
            .get_store(&Url::parse("s3://bucket-a/k/x.parquet").unwrap())
            .unwrap();
        let again = r
            .get_store(&Url::parse("s3://bucket-a/other").unwrap())
            .unwrap();
        assert!(Arc::ptr_eq(&a, &again), "one store per bucket, built once");
        assert!(r.get_store(&Url::parse("gs://b/x").unwrap()).is_err());
    }
}
