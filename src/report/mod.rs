//! Renderers: functions from a report model to text. They never write; the
//! commands do.
pub mod check;
pub mod model;
