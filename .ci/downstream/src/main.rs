//! Uses offline-im as the README shows: settings, a planner decision, the HTTP
//! transport and the sender. Compiled by CI; run it only against a real server.

use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::send::{Outcome, Sender, Summary};
use offline_im::settings::Settings;
use offline_im::transport::HttpTransport;
use time::OffsetDateTime;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_toml_str(
        "[organization]\nsip_domains = [\"contoso.com\"]\n",
    )?;
    let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim");
    let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat");
    let im = OfflineIm::builder()
        .sender(kim.clone())
        .recipient(pat)
        .line(ImLine::new(kim.sip().clone(), OffsetDateTime::now_utc(), "Lunch?"))
        .build()?;

    let decision = settings.planner().build().decide(&im, &settings.sender(kim.sip()))?;
    println!("{decision}");

    let url = std::env::var("EWS_URL").unwrap_or_else(|_| "https://mail.contoso.com/EWS/Exchange.asmx".into());
    let transport = HttpTransport::builder(url.parse()?)
        .basic("svc-offline-im@contoso.com", std::env::var("EWS_PASSWORD").unwrap_or_default())
        .build()?;
    let sender = Sender::from_settings(transport, settings).build()?;
    if std::env::var("EWS_URL").is_ok() {
        let reports = sender.send_all([im]).await;
        for report in &reports {
            if let Outcome::Failed(failure) = &report.outcome {
                eprintln!("{failure}");
            }
        }
        println!("{:?}", Summary::of(&reports));
    }
    Ok(())
}
