//! Gathering: probe every URL of the catalog and return [`Observation`]s.
//!
//! Everything that touches the network lives below this module; nothing here
//! judges a status (that is `policy`).
//!
//! [`Observation`]: crate::observation::Observation

pub mod address;
pub mod engine;
pub mod fetch;
pub mod providers;
pub mod settings;
