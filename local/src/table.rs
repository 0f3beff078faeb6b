//! Creates the DynamoDB table and the logo bucket from the same definition the infra template
//! deploys: the `Table` resource's properties are read from `infra/template.yaml`.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType,
};
use serde::Deserialize;

pub const TEMPLATE: &str = include_str!("../../infra/template.yaml");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableProperties {
    pub attribute_definitions: Vec<AttrDef>,
    pub key_schema: Vec<KeyDef>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<GsiDef>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttrDef {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyDef {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GsiDef {
    pub index_name: String,
    pub key_schema: Vec<KeyDef>,
    pub projection: ProjectionDef,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionDef {
    pub projection_type: String,
}

/// The template as a YAML value (CloudFormation tags such as `!Ref` are kept as tagged values).
pub fn template() -> Result<serde_yaml::Value, String> {
    serde_yaml::from_str(TEMPLATE).map_err(|e| format!("infra/template.yaml: {e}"))
}

/// The `Table` resource's key-related properties.
pub fn table_properties() -> Result<TableProperties, String> {
    let t = template()?;
    let props = t
        .get("Resources")
        .and_then(|r| r.get("Table"))
        .and_then(|r| r.get("Properties"))
        .ok_or("infra/template.yaml has no Resources.Table.Properties")?;
    serde_yaml::from_value(props.clone()).map_err(|e| format!("Table properties: {e}"))
}

fn key_schema(k: &[KeyDef]) -> Result<Vec<KeySchemaElement>, String> {
    k.iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

/// Creates `name` unless it exists. Returns true when it was created.
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<bool, String> {
    if client.describe_table().table_name(name).send().await.is_ok() {
        return Ok(false);
    }
    let p = table_properties()?;
    let attrs = p
        .attribute_definitions
        .iter()
        .map(|a| {
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    let gsis = p
        .global_secondary_indexes
        .iter()
        .map(|g| {
            GlobalSecondaryIndex::builder()
                .index_name(&g.index_name)
                .set_key_schema(Some(key_schema(&g.key_schema)?))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(g.projection.projection_type.as_str()))
                        .build(),
                )
                .build()
                .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attrs))
        .set_key_schema(Some(key_schema(&p.key_schema)?))
        .set_global_secondary_indexes(if gsis.is_empty() { None } else { Some(gsis) })
        .send()
        .await
        .map_err(|e| format!("create table {name}: {e:?}"))?;
    Ok(true)
}

/// Creates the bucket unless it exists, with the template's policy: logos are publicly readable.
pub async fn create_bucket(client: &aws_sdk_s3::Client, name: &str) -> Result<(), String> {
    if client.head_bucket().bucket(name).send().await.is_err() {
        client.create_bucket().bucket(name).send().await.map_err(|e| format!("create bucket {name}: {e:?}"))?;
    }
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicReadLogos", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                       "Resource": format!("arn:aws:s3:::{name}/logos/*")}]
    });
    client
        .put_bucket_policy()
        .bucket(name)
        .policy(policy.to_string())
        .send()
        .await
        .map_err(|e| format!("bucket policy {name}: {e:?}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_defines_the_keys_the_store_uses() {
        let p = table_properties().unwrap();
        let keys: Vec<_> = p.key_schema.iter().map(|k| (k.attribute_name.as_str(), k.key_type.as_str())).collect();
        assert_eq!(keys, vec![(shared::store::keys::PK, "HASH"), (shared::store::keys::SK, "RANGE")]);
    }
}
