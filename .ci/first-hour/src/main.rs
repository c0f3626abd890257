//! Three offline IMs to the embedded EWS server, then what arrived.

use offline_im::prelude::*;
use offline_im::testkit::TestServer;

fn person(address: &str, name: &str) -> Result<Participant, Box<dyn std::error::Error>> {
    Ok(Participant::new(format!("sip:{address}").parse()?, address.parse()?, name))
}

fn offline_im(from: &Participant, to: &Participant, text: &str) -> Result<OfflineIm, Box<dyn std::error::Error>> {
    Ok(OfflineIm::builder()
        .sender(from.clone())
        .recipient(to.clone())
        .line(ImLine::new(from.sip().clone(), OffsetDateTime::now_utc(), text))
        .build()?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let settings = Settings::from_toml_str("[organization]\nsip_domains = [\"contoso.com\"]\n")?;
    let server = TestServer::builder().hosted_domain("contoso.com").start().await?;
    let transport = HttpTransport::builder(server.url().parse()?).allow_http(true).build()?;
    let sender = Sender::from_settings(transport, settings).build()?;

    let kim = person("kim@contoso.com", "Kim")?;
    let messages = [
        offline_im(&kim, &person("pat@contoso.com", "Pat")?, "Lunch?")?,
        offline_im(&kim, &person("lee@contoso.com", "Lee")?, "Call me")?,
        offline_im(&kim, &person("sam@contoso.com", "Sam")?, "Done!")?,
    ];
    let reports = sender.send_all(messages).await;
    for report in &reports {
        println!("{report}");
    }
    println!("{}", Summary::of(&reports));
    server.idle().await;
    let arrived = ["pat@contoso.com", "lee@contoso.com", "sam@contoso.com"]
        .iter()
        .map(|to| to.parse().map(|to| server.folder(&to, Folder::Inbox).len()))
        .sum::<Result<usize, _>>()?;
    if arrived != 3 || !reports.iter().all(|r| r.outcome.is_delivered()) {
        return Err(format!("expected 3 delivered, {arrived} arrived").into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use offline_im::ews::ResponseCode;
    use offline_im::prelude::*;
    use offline_im::transport::RecordingTransport;
    use offline_im::transport::fake::{CreateItemReply, fault};

    fn sender(transport: RecordingTransport) -> Sender<RecordingTransport> {
        let settings = Settings::from_toml_str("[organization]\nsip_domains = [\"contoso.com\"]\n").unwrap();
        Sender::from_settings(transport, settings).build().unwrap()
    }

    fn im(text: &str) -> OfflineIm {
        let kim = super::person("kim@contoso.com", "Kim").unwrap();
        super::offline_im(&kim, &super::person("pat@contoso.com", "Pat").unwrap(), text).unwrap()
    }

    #[tokio::test]
    async fn a_busy_exchange_is_waited_for_and_a_full_mailbox_reported() {
        let transport = RecordingTransport::new()
            .with_reply(fault(ResponseCode::ErrorServerBusy, Some(Duration::from_millis(50))))
            .with_reply(
                CreateItemReply::new()
                    .created()
                    .failed(ResponseCode::ErrorQuotaExceeded, "The mailbox is full.")
                    .build(),
            );
        let reports = sender(transport).send_all([im("one"), im("two")]).await;
        assert!(reports[0].outcome.is_delivered(), "{}", reports[0]);
        let Outcome::Failed(failure) = &reports[1].outcome else { panic!("{}", reports[1]) };
        assert!(failure.is_permanent());
        assert_eq!(failure.code(), Some(&ResponseCode::ErrorQuotaExceeded));
    }
}
