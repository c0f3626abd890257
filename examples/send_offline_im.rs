//! The main example: decide, for four offline IMs, whether and how each is delivered.
//!
//! Contoso (contoso.com) federates with Fabrikam (fabrikam.com) and blocks
//! spam.example; one user, Lee, holds the client policy `Tag:NoArchiving`
//! (`EnableIMAutoArchiving = $false`). The example prints one decision per message.
//!
//! ```sh
//! cargo run --example send_offline_im
//! ```

use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::Decision;
use offline_im::settings::Settings;
use time::OffsetDateTime;

const SETTINGS: &str = r#"
[organization]
sip_domains = ["contoso.com"]
allow_federated_users = true
allowed_domains = [{ domain = "fabrikam.com", comment = "partner" }]
blocked_domains = [{ domain = "spam.example" }]

[[policies.client_policies]]
scope = "Tag:NoArchiving"
enable_im_auto_archiving = false

[[policies.external_access_policies]]
scope = "Global"
enable_federation_access = true

[senders."sip:lee@contoso.com"]
client_policy = "NoArchiving"
"#;

fn person(user: &str, domain: &str, name: &str) -> Result<Participant, Box<dyn std::error::Error>> {
    Ok(Participant::new(
        format!("sip:{user}@{domain}").parse()?,
        format!("{user}@{domain}").parse()?,
        name,
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_toml_str(SETTINGS)?;
    let planner = settings.planner().build();

    let kim = person("kim", "contoso.com", "Kim Akers")?;
    let lee = person("lee", "contoso.com", "Lee Gu")?;
    let messages = [
        (
            kim.clone(),
            person("pat", "contoso.com", "Pat Coleman")?,
            "Lunch at noon?",
        ),
        (
            kim.clone(),
            person("ann", "fabrikam.com", "Ann Beebe")?,
            "The contract is signed.",
        ),
        (
            lee,
            person("pat", "contoso.com", "Pat Coleman")?,
            "Call me back",
        ),
        (kim, person("bo", "spam.example", "Bo")?, "Hello?"),
    ];

    for (sender, recipient, text) in messages {
        let im = OfflineIm::builder()
            .sender(sender.clone())
            .recipient(recipient)
            .line(ImLine::new(
                sender.sip().clone(),
                OffsetDateTime::now_utc(),
                text,
            ))
            .build()?;
        let decision = planner.decide(&im, &settings.sender(sender.sip()))?;
        match &decision {
            Decision::Deliver(plan) => println!(
                "DELIVER {} -> {}\n        route: {}\n        class: {}, {} with the copy in {}\n        subject: {}",
                plan.sender().sip(),
                plan.recipient().smtp(),
                plan.route(),
                plan.item_class(),
                plan.disposition(),
                plan.saved_item_folder()
                    .map_or("(none)".to_owned(), |f| f.to_string()),
                plan.message().subject(),
            ),
            Decision::Denied(denial) => {
                println!("DENIED  {} -> {}", im.sender().sip(), im.recipient().sip());
                for reason in denial.reasons() {
                    println!("        because {reason}");
                }
            }
        }
    }
    Ok(())
}
