//! The planner: policy, then routing, then composition, for one message at a time.

use super::{Decision, DeliveryPlan, Denial, DenialReason, Disposition, Folder, PlanError};
use crate::compose::{
    Composer, DeliveryId, Importance, ItemClass, OfflineIm, Participant, RenderedMessage,
};
use crate::policy::{PolicySet, SenderProfile};
use crate::route::{Organization, Route};

/// Decides, for each offline IM, whether it may go and how.
///
/// Built with [`Planner::builder`]; every setting but the organization has a default:
///
/// | setting | default |
/// |---|---|
/// | [`policies`](PlannerBuilder::policies) | empty: SfB's built-in defaults (offline IM on, archiving on, no federation access) |
/// | [`composer`](PlannerBuilder::composer) | [`Composer::new`] (transcript renderer, 1 MiB cap) |
/// | [`same_organization_class`](PlannerBuilder::same_organization_class) | [`ItemClass::MISSED_IM`] (`IPM.Note.Microsoft.Missed`) |
/// | [`federated_class`](PlannerBuilder::federated_class) | [`ItemClass::NOTE`] (`IPM.Note`) |
/// | [`disposition`](PlannerBuilder::disposition) | [`Disposition::SendAndSaveCopy`] |
/// | [`saved_item_folder`](PlannerBuilder::saved_item_folder) | [`Folder::ConversationHistory`] |
///
/// ```
/// use offline_im::compose::{ImLine, ItemClass, OfflineIm, Participant};
/// use offline_im::plan::{Folder, Planner};
/// use offline_im::policy::SenderProfile;
/// use offline_im::route::Organization;
/// use time::macros::datetime;
///
/// let organization = Organization::builder().sip_domain("contoso.com".parse()?).build()?;
/// let planner = Planner::builder(organization).build();
///
/// let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim Akers");
/// let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat Coleman");
/// let im = OfflineIm::builder()
///     .sender(kim.clone())
///     .recipient(pat)
///     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 UTC), "Lunch?"))
///     .build()?;
///
/// let decision = planner.decide(&im, &SenderProfile::default())?;
/// let plan = decision.plan().expect("same organization, default policies");
/// assert_eq!(plan.item_class(), &ItemClass::MISSED_IM);
/// assert_eq!(plan.saved_item_folder(), Some(Folder::ConversationHistory));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Planner {
    organization: Organization,
    policies: PolicySet,
    composer: Composer,
    same_organization_class: ItemClass,
    federated_class: ItemClass,
    disposition: Disposition,
    saved_item_folder: Folder,
}

/// Settings for a [`Planner`]; see the defaults there.
#[derive(Debug)]
#[must_use]
pub struct PlannerBuilder {
    planner: Planner,
}

impl PlannerBuilder {
    /// The deployment's policies.
    pub fn policies(mut self, policies: PolicySet) -> Self {
        self.planner.policies = policies;
        self
    }

    /// The composer that renders subjects and bodies.
    pub fn composer(mut self, composer: Composer) -> Self {
        self.planner.composer = composer;
        self
    }

    /// The item class of same-organization messages.
    pub fn same_organization_class(mut self, class: ItemClass) -> Self {
        self.planner.same_organization_class = class;
        self
    }

    /// The item class of federated messages. Exchange drops any other class when the
    /// message leaves the organization as MIME, so changing it rarely helps.
    pub fn federated_class(mut self, class: ItemClass) -> Self {
        self.planner.federated_class = class;
        self
    }

    /// What Exchange does with each message. [`Disposition::SendOnly`] keeps no copy,
    /// so a lost reply can never be checked and the exactly-once guarantee weakens
    /// to at-least-once or at-most-once, at the sender's choice.
    pub fn disposition(mut self, disposition: Disposition) -> Self {
        self.planner.disposition = disposition;
        self
    }

    /// The sender's folder that keeps its copy.
    pub fn saved_item_folder(mut self, folder: Folder) -> Self {
        self.planner.saved_item_folder = folder;
        self
    }

    /// The planner.
    ///
    /// Infallible, unlike most `build()`s of this crate, and on purpose: each
    /// setter takes a value already validated on its own (an [`Organization`],
    /// an [`ItemClass`], a [`Folder`]) and no two settings can contradict each
    /// other, so there is nothing to refuse. The crate's builders return a
    /// `Result` exactly when they can refuse something.
    pub fn build(self) -> Planner {
        self.planner
    }
}

impl Planner {
    /// Starts a planner for `organization`, with every other setting at its default.
    pub fn builder(organization: Organization) -> PlannerBuilder {
        PlannerBuilder {
            planner: Planner {
                organization,
                policies: PolicySet::default(),
                composer: Composer::new(),
                same_organization_class: ItemClass::MISSED_IM,
                federated_class: ItemClass::NOTE,
                disposition: Disposition::default(),
                saved_item_folder: Folder::default(),
            },
        }
    }

    /// The organization messages are routed in.
    #[must_use]
    pub fn organization(&self) -> &Organization {
        &self.organization
    }

    /// The deployment's policies.
    #[must_use]
    pub fn policies(&self) -> &PolicySet {
        &self.policies
    }

    /// Decides for one message sent by the user described by `sender`.
    ///
    /// Resolves the sender's policies, routes the pair with the sender's
    /// federation access, and collects every denial reason; only when there is
    /// none does it render the message, so denied messages cost no rendering.
    ///
    /// # Errors
    /// [`PlanError::Policy`] when the sender is granted a policy the set does not
    /// hold; [`PlanError::Compose`] when the message cannot be rendered (over the
    /// size cap, say). A message that the settings forbid is not an error but a
    /// [`Decision::Denied`].
    pub fn decide(&self, im: &OfflineIm, sender: &SenderProfile) -> Result<Decision, PlanError> {
        Ok(match self.verdict(im, sender)? {
            Verdict::Denied(denial) => Decision::Denied(denial),
            Verdict::Allowed(allowed) => Decision::Deliver(self.plan(
                allowed,
                im,
                im.sender().clone(),
                im.recipient().clone(),
            )),
        })
    }

    /// Like [`decide`](Self::decide), for a message the caller no longer needs:
    /// its participants move into the plan instead of being copied.
    ///
    /// # Errors
    /// As [`decide`](Self::decide).
    pub fn decide_owned(
        &self,
        im: OfflineIm,
        sender: &SenderProfile,
    ) -> Result<Decision, PlanError> {
        Ok(match self.verdict(&im, sender)? {
            Verdict::Denied(denial) => Decision::Denied(denial),
            Verdict::Allowed(allowed) => {
                let (delivery_id, importance) = (im.delivery_id(), im.importance());
                let (from, to) = im.into_participants();
                Decision::Deliver(self.plan_parts(allowed, delivery_id, importance, from, to))
            }
        })
    }

    /// Policy, then routing, then (only when allowed) rendering.
    fn verdict(&self, im: &OfflineIm, sender: &SenderProfile) -> Result<Verdict, PlanError> {
        let effective = self.policies.resolve(sender)?;
        let mut reasons: Vec<DenialReason> = effective
            .denials()
            .into_iter()
            .map(DenialReason::Policy)
            .collect();
        let route = self.organization.route(
            im.sender().sip(),
            im.recipient().sip(),
            effective.federation_access(),
        );
        if let Route::Blocked(reason) = &route {
            reasons.push(DenialReason::Route(reason.clone()));
        }
        if !reasons.is_empty() {
            return Ok(Verdict::Denied(Denial {
                delivery_id: im.delivery_id(),
                reasons,
            }));
        }
        let message = self.composer.compose(im)?;
        Ok(Verdict::Allowed(Allowed { route, message }))
    }

    fn plan(
        &self,
        allowed: Allowed,
        im: &OfflineIm,
        sender: Participant,
        recipient: Participant,
    ) -> DeliveryPlan {
        self.plan_parts(
            allowed,
            im.delivery_id(),
            im.importance(),
            sender,
            recipient,
        )
    }

    fn plan_parts(
        &self,
        Allowed { route, message }: Allowed,
        delivery_id: DeliveryId,
        importance: Importance,
        sender: Participant,
        recipient: Participant,
    ) -> DeliveryPlan {
        let item_class = match route {
            Route::SameOrganization => self.same_organization_class.clone(),
            _ => self.federated_class.clone(),
        };
        DeliveryPlan {
            delivery_id,
            sender,
            recipient,
            route,
            item_class,
            disposition: self.disposition,
            saved_item_folder: self
                .disposition
                .keeps_copy()
                .then_some(self.saved_item_folder),
            importance,
            message,
        }
    }
}

/// What the checks concluded, before a plan is assembled.
enum Verdict {
    Denied(Denial),
    Allowed(Allowed),
}

/// An allowed message's route and rendering.
struct Allowed {
    route: Route,
    message: RenderedMessage,
}
