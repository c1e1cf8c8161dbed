//! Platform answers the imaging scenarios share (tests/imaging.rs and
//! tests/add.rs), each in the platform's own shape, its source above it.

#![allow(dead_code)]

use serde_json::{Value, json};

/// `ProjectVersionsSerializer` rows (MIT-LCP/physionet-build
/// `physionet-django/export/serializers.py`).
pub fn pn_versions(slug: &str, versions: &[&str]) -> Value {
    Value::Array(
        versions
            .iter()
            .map(|v| json!({"slug": slug, "title": "A project", "version": v, "abstract": "<p>x</p>"}))
            .collect(),
    )
}

/// `Entity.json` and `VersionableEntity.json` fields
/// (Sage-Bionetworks/Synapse-Repository-Services
/// `lib/lib-auto-generated/src/main/resources/schema/org/sagebionetworks/repo/model/`);
/// a Dataset adds `size` and `count` (`table/Dataset.json`).
pub fn syn_dataset(id: &str) -> Value {
    json!({
        "name": "COVID-19 imaging", "id": id, "etag": "62fd1a76-ed9c-425a-b4a8-1c4e6aad7fc6",
        "createdOn": "2024-08-27T20:48:43.562Z", "modifiedOn": "2026-10-27T20:48:44.938Z",
        "createdBy": "3345678", "modifiedBy": "3345678", "parentId": "syn4489",
        "versionNumber": 3, "versionLabel": "3", "isLatestVersion": true,
        "items": [], "size": 52_428_800, "checksum": "9e107d9d372bb6826bd81d3542a419d6", "count": 250,
        "concreteType": "org.sagebionetworks.repo.model.table.Dataset"
    })
}

/// `PublicChallengeSerializer` (comic/grand-challenge.org
/// `app/grandchallenge/challenges/serializers.py`), gcapi `PublicChallenge`.
pub fn gc_challenge(slug: &str, modified: &str) -> Value {
    json!({
        "api_url": format!("https://grand-challenge.org/api/v1/challenges/{slug}/"),
        "url": format!("https://{slug}.grand-challenge.org/"),
        "slug": slug, "title": "STOIC2021", "description": "COVID-19 AI Challenge",
        "public": true, "status": "COMPLETED", "logo": null,
        "submission_types": ["Algorithm"], "start_date": "2021-12-23T00:00:00Z",
        "end_date": "2022-06-30T00:00:00Z", "publications": [],
        "created": "2021-10-01T10:00:00.123456Z", "modified": modified, "incentives": []
    })
}

/// A dataset YAML as the registry publishes it: awslabs/open-data-registry
/// `datasets/stoic2021-training.yaml`, with the two dates its build adds
/// (`_scripts/add_metadata.sh`).
pub const STOIC_YAML: &str = "Name: STOIC2021 Training
Description: CT images of 10,735 individuals suspected of being infected with SARS-COV-2 (COVID-19).
Documentation: https://pubs.rsna.org/doi/full/10.1148/radiol.2021210384
Contact: support@grand-challenge.org
ManagedBy: Radboud University Medical Center
UpdateFrequency: The full training set was published at the release.
Tags:
  - covid-19
  - medical imaging
License: CC-BY-NC 4.0
Resources:
  - Description: 2000 CT scans stored as compressed .mha files, and reference.csv
    ARN: arn:aws:s3:::stoic2021-training
    Region: us-west-2
    Type: S3 Bucket
RegistryEntryAdded: \"2021-11-30\"
RegistryEntryLastModified: \"2026-09-30\"
";
