//! Loading the catalog: reading entry files (I/O) and parsing them with source
//! positions (pure), so every later finding can point at file:line:column.

pub mod entry;
pub mod platform;

use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

pub use entry::Entry;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the catalog at {path}: {message}")]
    Unreadable { path: PathBuf, message: String },
    #[error("{path}: {message}; run `catwatch lint {path}` for details")]
    Invalid { path: PathBuf, message: String },
}

/// Loads every `*.yaml` entry below `dir`, sorted by file name.
///
/// Interim loader: the lint gate replaces this with the position-aware one.
pub fn load_entries(dir: &Path) -> Result<Vec<Entry>, CatalogError> {
    let unreadable = |message: String| CatalogError::Unreadable {
        path: dir.to_path_buf(),
        message,
    };
    let mut paths: Vec<PathBuf> = fs_err::read_dir(dir)
        .map_err(|e| unreadable(e.to_string()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let invalid = |message: String| CatalogError::Invalid {
                path: path.clone(),
                message,
            };
            let text = fs_err::read_to_string(path).map_err(|e| invalid(e.to_string()))?;
            let docs = MarkedYaml::load_from_str(&text).map_err(|e| invalid(e.to_string()))?;
            let [doc] = docs.as_slice() else {
                return Err(invalid("expected exactly one YAML document".into()));
            };
            serde_json::from_value(to_json(doc)).map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

fn to_json(node: &MarkedYaml<'_>) -> serde_json::Value {
    use serde_json::Value;
    match &node.data {
        YamlData::Value(Scalar::Null) => Value::Null,
        YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        YamlData::Value(Scalar::Integer(i)) => Value::from(*i),
        YamlData::Value(Scalar::FloatingPoint(f)) => Value::from(f.into_inner()),
        YamlData::Value(Scalar::String(s)) => Value::String(s.to_string()),
        YamlData::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
        YamlData::Mapping(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match &k.data {
                        YamlData::Value(Scalar::String(s)) => s.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}
