//! Iceberg catalogs (SQL over SQLite, REST) and the FileIO that reads a table's files, all
//! configured from the run's context.

use crate::context::{CatalogConfig, S3Config};
use crate::error::{Error, Result};
use iceberg::io::{FileIO, FileIOBuilder};
use iceberg::{Catalog, CatalogBuilder};
use std::collections::HashMap;
use std::sync::Arc;

/// FileIO properties for S3: the same region, endpoint and credentials as the Parquet sources.
pub(super) fn s3_props(cfg: &S3Config) -> Result<Vec<(String, String)>> {
    use iceberg::io::{
        S3_ACCESS_KEY_ID, S3_ENDPOINT, S3_PATH_STYLE_ACCESS, S3_REGION, S3_SECRET_ACCESS_KEY,
        S3_SESSION_TOKEN,
    };
    let mut props: Vec<(String, String)> = Vec::new();
    props.push((S3_REGION.into(), cfg.region.clone()));
    if let Some(e) = &cfg.endpoint {
        crate::source::s3::check_endpoint(cfg, e)?;
        props.push((S3_ENDPOINT.into(), e.clone()));
        props.push((S3_PATH_STYLE_ACCESS.into(), "true".into()));
    }
    for (key, value) in [
        (S3_ACCESS_KEY_ID, &cfg.access_key_id),
        (S3_SECRET_ACCESS_KEY, &cfg.secret_access_key),
        (S3_SESSION_TOKEN, &cfg.session_token),
    ] {
        if let Some(v) = value {
            props.push((key.into(), v.expose().to_string()));
        }
    }
    Ok(props)
}

/// An error of the catalog at `uri` loading `table`: unreachable, refused credentials, no such
/// table; anything else is about the table's files.
pub(super) fn catalog_error(uri: &str, table: &str, e: iceberg::Error) -> Error {
    use crate::source::errors::{Fault, from_text};
    let (text, _) = super::errors::chain(&e);
    let storage = |message: String, hint: &str| Error::Storage {
        location: uri.to_string(),
        message,
        hint: hint.to_string(),
    };
    let fault = match e.kind() {
        iceberg::ErrorKind::TableNotFound | iceberg::ErrorKind::NamespaceNotFound => {
            Fault::NotFound
        }
        _ => from_text(&text),
    };
    let shown = crate::source::redact(uri);
    match fault {
        Fault::Credentials => storage(
            format!("the catalog `{shown}` refused the credentials"),
            "check `PLIMSOLL_CATALOG_CREDENTIAL` (CLIENT_ID:SECRET) or `PLIMSOLL_CATALOG_TOKEN`",
        ),
        Fault::NotFound => storage(
            format!("the catalog `{shown}` has no table `{table}`"),
            "check the name (`NAMESPACE.TABLE`), and the catalog's name or warehouse (`--catalog-name`, `--catalog-warehouse`)",
        ),
        Fault::Unreachable => storage(
            format!("cannot reach the catalog `{shown}`"),
            "check the catalog URL and the network",
        ),
        _ => super::errors::iceberg_error(if table.is_empty() { uri } else { table }, e),
    }
}

/// The FileIO for a metadata location: the local filesystem or S3.
pub(super) fn file_io(cfg: &S3Config, location: &str) -> Result<FileIO> {
    if !location.starts_with("s3://") {
        return Ok(FileIO::new_with_fs());
    }
    let factory = iceberg_storage_opendal::OpenDalStorageFactory::S3 {
        customized_credential_load: None,
    };
    Ok(FileIOBuilder::new(Arc::new(factory))
        .with_props(s3_props(cfg)?)
        .build())
}

/// The catalog of `--catalog`: SQL over SQLite (`sqlite:PATH`) or REST (`http(s)://...`).
pub(super) async fn open_catalog(
    s3: &S3Config,
    config: &CatalogConfig,
) -> Result<Arc<dyn Catalog>> {
    if config.uri.starts_with("http://") || config.uri.starts_with("https://") {
        return Ok(Arc::new(rest_catalog(s3, config).await?));
    }
    Ok(Arc::new(sql_catalog(s3, &config.uri, &config.name).await?))
}

/// A REST catalog. OAuth2 client credentials come from `PLIMSOLL_CATALOG_CREDENTIAL`
/// (`CLIENT_ID:SECRET`) or a bearer token from `PLIMSOLL_CATALOG_TOKEN`; the tables' files are read
/// with the S3 settings of the environment (plus whatever the catalog hands out).
async fn rest_catalog(
    s3: &S3Config,
    config: &CatalogConfig,
) -> Result<iceberg_catalog_rest::RestCatalog> {
    use iceberg_catalog_rest::{
        REST_CATALOG_PROP_URI, REST_CATALOG_PROP_WAREHOUSE, RestCatalogBuilder,
    };
    let uri = &config.uri;
    if uri.starts_with("http://") && !s3.http_allowed(uri) {
        return Err(Error::usage(
            format!(
                "the catalog `{}` is plain HTTP to a host that is not this machine",
                crate::source::redact(uri)
            ),
            "use https, or set `AWS_ALLOW_HTTP=true` for a trusted network",
        ));
    }
    let mut props: HashMap<String, String> = s3_props(s3)?.into_iter().collect();
    props.insert(REST_CATALOG_PROP_URI.into(), uri.clone());
    if let Some(w) = &config.warehouse {
        props.insert(REST_CATALOG_PROP_WAREHOUSE.into(), w.clone());
    }
    if let Some(c) = &config.credential {
        props.insert("credential".into(), c.expose().to_string());
    }
    if let Some(t) = &config.token {
        props.insert("token".into(), t.expose().to_string());
    }
    let factory: Arc<dyn iceberg::io::StorageFactory> =
        Arc::new(iceberg_storage_opendal::OpenDalResolvingStorageFactory::new());
    RestCatalogBuilder::default()
        .with_storage_factory(factory)
        .load(&config.name, props)
        .await
        .map_err(|e| catalog_error(uri, "", e))
}

/// The SQL catalog (SQLite) at `uri`.
async fn sql_catalog(
    s3: &S3Config,
    uri: &str,
    name: &str,
) -> Result<iceberg_catalog_sql::SqlCatalog> {
    use iceberg_catalog_sql::{
        SQL_CATALOG_PROP_BIND_STYLE, SQL_CATALOG_PROP_URI, SQL_CATALOG_PROP_WAREHOUSE,
        SqlBindStyle, SqlCatalogBuilder,
    };
    let Some(path) = uri.strip_prefix("sqlite:") else {
        return Err(Error::usage(
            format!("unsupported catalog `{uri}`"),
            "give a SQL catalog over SQLite as `--catalog sqlite:PATH` (the file pyiceberg and iceberg-rust write)",
        ));
    };
    let path = path.trim_start_matches("//");
    if !std::path::Path::new(path).is_file() {
        return Err(Error::Storage {
            location: uri.to_string(),
            message: format!("the catalog database `{path}` does not exist"),
            hint: "give the SQLite file of an existing SQL catalog as `--catalog sqlite:PATH` (Plimsoll never creates one)".into(),
        });
    }
    // The catalog's rows name the files; reading them needs the filesystem or S3.
    let factory: Arc<dyn iceberg::io::StorageFactory> =
        Arc::new(iceberg_storage_opendal::OpenDalResolvingStorageFactory::new());
    let mut props: HashMap<String, String> = s3_props(s3)?.into_iter().collect();
    props.extend([
        (SQL_CATALOG_PROP_URI.to_string(), format!("sqlite:{path}")),
        (
            SQL_CATALOG_PROP_WAREHOUSE.to_string(),
            "file:///".to_string(),
        ),
        (
            SQL_CATALOG_PROP_BIND_STYLE.to_string(),
            SqlBindStyle::QMark.to_string(),
        ),
    ]);
    SqlCatalogBuilder::default()
        .with_storage_factory(factory)
        .load(name, props)
        .await
        .map_err(|e| super::errors::iceberg_error(uri, e))
}
