//! A small map by URL for one resource's validators and fingerprints.
//!
//! Most resources have one or two URLs; a `BTreeMap` allocates a whole node
//! (eleven slots) for the first, which at 100,000 resources is most of the
//! state's memory. This keeps its entries sorted in a vector instead, and
//! reads and writes the same JSON object.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlMap<V> {
    /// Sorted by URL, each URL once.
    entries: Vec<(String, V)>,
}

impl<V> Default for UrlMap<V> {
    fn default() -> Self {
        UrlMap {
            entries: Vec::new(),
        }
    }
}

impl<V> UrlMap<V> {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets the value of `url`, replacing what it had.
    pub fn insert(&mut self, url: String, value: V) {
        match self
            .entries
            .binary_search_by(|(at, _)| at.as_str().cmp(&url))
        {
            Ok(found) => self.entries[found].1 = value,
            Err(at) => {
                self.entries.insert(at, (url, value));
                self.entries.shrink_to_fit();
            }
        }
    }

    /// In URL order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.entries.iter().map(|(url, value)| (url, value))
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&str, &V) -> bool) {
        self.entries.retain(|(url, value)| keep(url, value));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl<V: Serialize> Serialize for UrlMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (url, value) in &self.entries {
            map.serialize_entry(url, value)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for UrlMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ByUrl<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for ByUrl<V> {
            type Value = UrlMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of values by URL")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UrlMap<V>, A::Error> {
                let mut map = UrlMap::default();
                while let Some((url, value)) = access.next_entry::<String, V>()? {
                    // As a JSON object read into a map: the last one stands.
                    map.insert(url, value);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(ByUrl(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_the_object_a_btree_map_would() {
        let text = r#"{"https://b/":"2","https://a/":"1","https://b/":"3"}"#;
        let map: UrlMap<String> = serde_json::from_str(text).unwrap();
        let tree: std::collections::BTreeMap<String, String> = serde_json::from_str(text).unwrap();
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            serde_json::to_string(&tree).unwrap()
        );
        let seen: Vec<(&str, &str)> = map.iter().map(|(u, v)| (u.as_str(), v.as_str())).collect();
        assert_eq!(seen, [("https://a/", "1"), ("https://b/", "3")]);
    }

    #[test]
    fn insert_keeps_one_value_per_url_in_order() {
        let mut map = UrlMap::default();
        for (url, v) in [("c", 1), ("a", 2), ("b", 3), ("a", 4)] {
            map.insert(url.to_owned(), v);
        }
        let seen: Vec<(&str, i32)> = map.iter().map(|(u, v)| (u.as_str(), *v)).collect();
        assert_eq!(seen, [("a", 4), ("b", 3), ("c", 1)]);
        map.retain(|url, _| url != "b");
        assert_eq!(map.iter().count(), 2);
        map.clear();
        assert!(map.is_empty());
    }
}
