//! Plan: the decision for one offline IM, and how it is to be delivered.
//!
//! A [`Planner`] puts the earlier stages together for each message: the
//! sender's [policies](crate::policy), then [routing](crate::route), then
//! [composition](crate::compose). Its [`Decision`] is either
//! [`Decision::Deliver`] with a [`DeliveryPlan`] (item class, [`Disposition`],
//! the [`Folder`] that keeps the sender's copy, subject and bodies), or
//! [`Decision::Denied`] with every [`DenialReason`] that applies, ready to log or
//! show a person.

mod decision;
mod delivery;
mod error;
mod planner;

pub use crate::ews::{Disposition, Folder};
pub use decision::{Decision, Denial, DenialReason};
pub use delivery::DeliveryPlan;
pub use error::PlanError;
pub use planner::{Planner, PlannerBuilder};
