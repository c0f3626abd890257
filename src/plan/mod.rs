//! Plan: the decision for one offline IM and how it is to be delivered.

mod folder;

pub use folder::{Disposition, Folder};
