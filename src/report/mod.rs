//! Renderers: functions from a report model to text. They never write; the
//! commands do.
pub mod badges;
pub mod check;
pub mod common;
pub mod escape;
pub mod export;
pub mod html;
pub mod json;
pub mod markdown;
pub mod model;
pub mod sarif;
pub mod table;
