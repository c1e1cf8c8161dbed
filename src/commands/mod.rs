//! One module per command; each sequences one path through the pipeline.

pub mod check;
pub mod docs;
pub mod lint;
pub mod merge;
pub mod monitor;
pub mod report;
pub mod table;
