//! Compose: the offline IM message, its text and its rendering.

mod importance;

pub use importance::Importance;
