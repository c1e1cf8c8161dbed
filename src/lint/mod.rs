//! Judging the catalog: schema validation and semantic rules, producing
//! findings. Pure: findings are data, not errors.
