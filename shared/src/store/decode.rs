//! Decoding stored items straight from the SDK's attribute values.
//!
//! `serde_dynamo::from_item` first rebuilds every item (and every map inside it) as a hash map
//! of its own attribute type and only then deserializes; on a list page of organizations that
//! copy was most of the decoding time. [`from_item`] deserializes the SDK's `AttributeValue`s
//! in place, moving their strings into the result. It reads what `serde_dynamo::to_item` writes,
//! the same way `serde_dynamo::from_item` does (the tests below compare the two). Every read
//! goes through it by way of `crate::store::from_item`.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::value::{Error, MapAccessDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;

use crate::error::{ApiError, ApiResult};
use crate::store::Item;

/// Decodes a stored item into `T`.
pub fn from_item<T: DeserializeOwned>(item: Item) -> ApiResult<T> {
    T::deserialize(Value(AttributeValue::M(item))).map_err(|e| ApiError::internal(format!("decode item: {e}")))
}

/// One attribute value as a serde deserializer.
struct Value(AttributeValue);

/// A number (`N` is a string): as an integer when it is one, else as a float.
fn number<'de, V: Visitor<'de>>(n: &str, visitor: V) -> Result<V::Value, Error> {
    if let Ok(i) = n.parse::<i64>() {
        visitor.visit_i64(i)
    } else if let Ok(u) = n.parse::<u64>() {
        visitor.visit_u64(u)
    } else {
        let f = n.parse::<f64>().map_err(|e| de::Error::custom(format!("number {n:?}: {e}")))?;
        visitor.visit_f64(f)
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            AttributeValue::N(n) => number(&n, visitor),
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::M(m) => visitor.visit_map(Map { entries: m.into_iter(), value: None }),
            AttributeValue::L(l) => visitor.visit_seq(SeqDeserializer::new(l.into_iter().map(Value))),
            AttributeValue::Ss(ss) => visitor.visit_seq(SeqDeserializer::new(ss.into_iter())),
            AttributeValue::Ns(ns) => {
                visitor.visit_seq(SeqDeserializer::new(ns.into_iter().map(|n| Value(AttributeValue::N(n)))))
            }
            AttributeValue::B(b) => visitor.visit_byte_buf(b.into_inner()),
            AttributeValue::Bs(bs) => {
                visitor.visit_seq(SeqDeserializer::new(bs.into_iter().map(|b| Value(AttributeValue::B(b)))))
            }
            other => Err(de::Error::custom(format!("unsupported attribute value {other:?}"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    /// Unit variants are strings; others a map of one entry, variant name to content.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_enum(s.into_deserializer()),
            AttributeValue::M(m) => {
                if m.len() != 1 {
                    return Err(de::Error::custom(format!("enum {name}: expected a map of one entry")));
                }
                let entries = Map { entries: m.into_iter(), value: None };
                de::Deserializer::deserialize_enum(MapAccessDeserializer::new(entries), name, variants, visitor)
            }
            other => Err(de::Error::custom(format!("enum {name}: unexpected {other:?}"))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

/// The entries of an `M` value, keys moved out as strings.
struct Map {
    entries: std::collections::hash_map::IntoIter<String, AttributeValue>,
    value: Option<AttributeValue>,
}

impl<'de> MapAccess<'de> for Map {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self.value.take().ok_or_else(|| de::Error::custom("a map value before its key"))?;
        seed.deserialize(Value(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::model::org::{
        AncestorRef, ConfigSource, DarrylConfiguration, Dashboard, MetabaseConfiguration, OrgItem, SsoConfiguration,
    };
    use crate::model::template::builtin_templates;
    use crate::model::user::{Role, UserItem};
    use crate::store::to_item;

    /// Decodes like serde_dynamo, and gives back what was stored.
    fn same<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(v: &T) {
        let item = to_item(v).unwrap();
        let ours: T = from_item(item.clone()).unwrap();
        let theirs: T = serde_dynamo::from_item(item).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(&ours, v);
    }

    fn org(n: u64) -> OrgItem {
        OrgItem {
            pk: format!("ORG#o{n}"),
            sk: "ORG".into(),
            organization_id: format!("o{n}"),
            name: "Org \u{e9}\"quoted\"".into(),
            code: (n % 2 == 0).then(|| "ACME".into()),
            contact_email: Some("ops@acme.io".into()),
            updates_email: None,
            parent_organization_id: Some("root".into()),
            updates_email_for_escalations_from_parent: vec!["a@acme.io".into(), "b@acme.io".into()],
            updates_email_for_escalations_from_children: Vec::new(),
            can_have_child_organizations: n % 3 == 0,
            parent_has_access_to_descendants: true,
            parent_has_access: n % 2 == 1,
            logo_url: None,
            sso_configuration: Some(SsoConfiguration {
                sso_config_source: if n % 2 == 0 { ConfigSource::Own } else { ConfigSource::Parent },
                identity_provider_name: Some("idp".into()),
                entity_id: None,
                certificate: Some("-----BEGIN CERTIFICATE-----\nMII...".into()),
                sso_url: Some("https://idp.example/sso".into()),
                logout_url: None,
            }),
            darryl_configuration: (n % 2 == 0).then(|| DarrylConfiguration {
                logo_url: None,
                darryl_config_source: ConfigSource::Own,
                name: Some("D".into()),
                color: Some("#fff".into()),
            }),
            metabase_configuration: MetabaseConfiguration {
                enabled: true,
                dashboards: vec![Dashboard { id: "1".into(), name: "Main".into() }],
                collection_id: (n > 1).then_some(u64::MAX - n),
            },
            case_configuration: (n % 2 == 0).then(|| crate::model::case_config::default_case_configuration().clone()),
            rbac_template_id: "default".into(),
            metadata: BTreeMap::from([("k".into(), "v".into()), ("empty".into(), String::new())]),
            domains: vec!["acme.io".into()],
            ancestors: (0..n)
                .map(|i| AncestorRef {
                    organization_id: format!("a{i}"),
                    parent_has_access: i % 2 == 0,
                    parent_has_access_to_descendants: true,
                })
                .collect(),
            created_at: 1_700_000_000_000,
            created_by: Some("u".into()),
            modified_at: -1,
            modified_by: None,
            version: n,
            deleting: (n == 3).then_some(1_700_000_000_001),
        }
    }

    #[test]
    fn stored_items_decode_like_serde_dynamo() {
        for n in 0..5 {
            same(&org(n));
        }
        for t in builtin_templates(42) {
            same(&t);
        }
        let mut user = UserItem::new("u1", vec!["root".into(), "o1".into()], "a@b.c", Role::Admin, 7, None);
        user.group_ids = vec!["g1".into()];
        user.last_login = Some(9);
        same(&user);
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    enum Shape {
        Unit,
        Newtype(i32),
        Tuple(u8, String),
        Struct { x: f64 },
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Odd {
        shapes: Vec<Shape>,
        floats: Vec<f64>,
        bytes: serde_bytes_like::Bytes,
        nested: Option<Option<bool>>,
        map: HashMap<String, Vec<i64>>,
        json: serde_json::Value,
        unit: (),
        tuple: (i8, u16, String),
        big: u64,
        char: char,
    }

    /// A byte buffer that serde_dynamo writes as `B`.
    mod serde_bytes_like {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        #[derive(Debug, PartialEq)]
        pub struct Bytes(pub Vec<u8>);

        impl Serialize for Bytes {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for Bytes {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Bytes, E> {
                        Ok(Bytes(v))
                    }
                    fn visit_bytes<E>(self, v: &[u8]) -> Result<Bytes, E> {
                        Ok(Bytes(v.to_vec()))
                    }
                }
                d.deserialize_byte_buf(V)
            }
        }
    }

    #[test]
    fn every_shape_decodes_like_serde_dynamo() {
        same(&Odd {
            shapes: vec![Shape::Unit, Shape::Newtype(-3), Shape::Tuple(1, "t".into()), Shape::Struct { x: 0.5 }],
            floats: vec![1.5, -2.0, 1e300],
            bytes: serde_bytes_like::Bytes(vec![0, 1, 255]),
            nested: Some(Some(false)),
            map: HashMap::from([("a".into(), vec![1, -2]), ("b".into(), Vec::new())]),
            json: serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": -1}}),
            unit: (),
            tuple: (-1, 65535, "z".into()),
            big: u64::MAX,
            char: 'é',
        });
    }

    #[test]
    fn bad_items_are_errors() {
        let mut item = to_item(&org(1)).unwrap();
        item.insert("version".into(), AttributeValue::S("one".into()));
        assert!(from_item::<OrgItem>(item).is_err());
        let mut item = to_item(&org(1)).unwrap();
        item.remove("name");
        let err = OrgItem::deserialize(Value(AttributeValue::M(item))).unwrap_err();
        assert!(err.to_string().contains("missing field `name`"), "{err}");
        let item = HashMap::from([("n".to_string(), AttributeValue::N("1.5x".into()))]);
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct N {
            n: f64,
        }
        assert!(from_item::<N>(item).is_err());
    }
}
