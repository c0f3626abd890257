//! The main example: five offline IMs, decided, sent over real HTTP, and shown
//! where they landed.
//!
//! With no environment it starts the embedded EWS server (`offline_im::testkit`)
//! on 127.0.0.1, as Contoso's Exchange. Contoso (contoso.com) federates with
//! Fabrikam (fabrikam.com) and blocks spam.example; Lee holds the client policy
//! `Tag:NoArchiving` (`EnableIMAutoArchiving = $false`); Sam never ran Skype for
//! Business, so Sam's mailbox has no Conversation History folder and Sam's copy
//! goes to Sent Items.
//!
//! ```sh
//! cargo run --example send_offline_im
//! cargo run --example send_offline_im -- --help
//! ```
//!
//! Against a real Exchange server:
//!
//! ```sh
//! EWS_URL=https://mail.contoso.com/EWS/Exchange.asmx \
//! EWS_USERNAME=svc-offline-im@contoso.com EWS_PASSWORD=... \
//! cargo run --example send_offline_im -- --from kim@contoso.com --to pat@contoso.com
//! ```
//!
//! Without `EWS_URL`, but with credentials (`EWS_USERNAME`/`EWS_PASSWORD` or
//! `EWS_TOKEN`), the EWS URL is found by Autodiscover from the `--from` address;
//! `--allow hoster.example,...` (or `EWS_AUTODISCOVER_ALLOW`) lets credentials go to
//! Autodiscover hosts outside the sender's domain.
//!
//! Every flag, its environment variable and its default is listed by `--help`
//! and in [examples/README.md](README.md); an unknown flag or a flag without its
//! value is an error (exit status 2) and sends nothing. The service account
//! needs the ApplicationImpersonation role: messages are sent as the `--from`
//! user.

use std::error::Error;
use std::time::Duration;

use clap::Parser;

use offline_im::address::SmtpAddress;
use offline_im::autodiscover::{Autodiscover, Credentials};
use offline_im::compose::{ImLine, OfflineIm, Participant};
use offline_im::plan::{Decision, Folder};
use offline_im::policy::MailboxLocation;
use offline_im::send::{Outcome, Sender, Summary};
use offline_im::settings::Settings;
use offline_im::testkit::TestServer;
use offline_im::transport::{HttpTransport, Transport};
use time::OffsetDateTime;

const CONTOSO: &str = r#"
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

/// Four offline IMs, decided, sent over HTTP, and shown where they landed.
///
/// With no EWS_URL and no credentials it sends them to the embedded EWS server as
/// Contoso's Exchange (--from, --to, --settings and --allow are not used then).
/// With EWS_URL it sends one message from --from to each --to address; with
/// credentials but no EWS_URL it finds the URL by Autodiscover first.
#[derive(Debug, Parser)]
#[command(
    name = "send_offline_im",
    after_help = "Exit status: 0 when the messages were sent and reported (a denied or \
                  blocked message is a report, not an error), 1 for a wrong setup, a failed \
                  Autodiscover or settings that do not load, 2 for a wrong command line."
)]
struct Args {
    /// EWS endpoint of a real Exchange server [default: Autodiscover with
    /// credentials, else the embedded server]
    #[arg(long, value_name = "URL", env = "EWS_URL")]
    url: Option<String>,
    /// User name for Basic authentication (the service account)
    #[arg(long, value_name = "U", env = "EWS_USERNAME")]
    user: Option<String>,
    /// Password for Basic authentication
    #[arg(long, value_name = "P", env = "EWS_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// Bearer token, instead of --user and --password
    #[arg(long, value_name = "T", env = "EWS_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Sender's address (impersonated); needed with a real server
    #[arg(long, value_name = "ADDR", env = "EWS_FROM")]
    from: Option<String>,
    /// Recipients' addresses, separated by commas; needed with EWS_URL
    #[arg(long, value_name = "ADDR,...", env = "EWS_TO")]
    to: Option<String>,
    /// Organization and policies: a TOML or JSON file, or a directory of Get-Cs*.json
    /// [default: the built-in Contoso settings]
    #[arg(long, value_name = "FILE", env = "OFFLINE_IM_SETTINGS")]
    settings: Option<String>,
    /// Autodiscover hosts outside the sender's domain that may receive the
    /// credentials, separated by commas [default: none]
    #[arg(long, value_name = "HOST,...", env = "EWS_AUTODISCOVER_ALLOW")]
    allow: Option<String>,
    /// Authenticate with NTLM as --user (DOMAIN\user or a UPN) and --password,
    /// instead of Basic, for Autodiscover too; needs the `ntlm` feature
    #[arg(long, conflicts_with_all = ["negotiate", "token"])]
    ntlm: bool,
    /// Authenticate with Negotiate (Kerberos): as --user (a principal) with
    /// --password, or without --user from the ticket cache (kinit) or the keytab
    /// in KRB5_CLIENT_KTNAME, for Autodiscover too; needs the `kerberos` feature
    #[arg(long, conflicts_with = "token")]
    negotiate: bool,
    /// Service principal of the Exchange server for --ntlm or --negotiate
    /// [default: HTTP/<host of --url>]
    #[arg(long, value_name = "SPN")]
    spn: Option<String>,
    /// Send through Microsoft Graph (mailboxes in Exchange Online), at Graph's
    /// version root URL (e.g. https://graph.microsoft.com/v1.0) with --token; without
    /// URL: the embedded server's Graph endpoints, Kim's mailbox online
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    graph: Option<String>,
}

/// `value` unless it is empty or blank, as an unset environment variable.
fn given(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Credentials from --token, else --user and --password (or their variables).
enum Secret {
    Bearer(String),
    Basic(String, String),
}

impl Args {
    fn secret(&self) -> Option<Secret> {
        match (given(&self.token), given(&self.user)) {
            (Some(token), _) => Some(Secret::Bearer(token)),
            (None, Some(user)) => Some(Secret::Basic(
                user,
                self.password.clone().unwrap_or_default(),
            )),
            (None, None) => None,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // --help prints and exits 0; a wrong command line prints what is wrong and
    // exits 2. Either way nothing is sent.
    let args = Args::parse();
    match (&args.graph, given(&args.graph)) {
        (_, Some(root)) => return real_graph(&args, &root).await,
        (Some(_), None) if given(&args.url).is_none() && args.secret().is_none() => {
            return demo(true).await;
        }
        (Some(_), None) => return Err("--graph with --url or a token needs Graph's URL".into()),
        (None, _) => {}
    }
    match given(&args.url) {
        Some(url) if args.ntlm || args.negotiate => windows_auth(&args, &url).await,
        None if args.ntlm || args.negotiate => {
            let url = autodiscover(&args).await?;
            windows_auth(&args, &url).await
        }
        Some(url) => real_exchange(&args, &url).await,
        None if args.secret().is_some() => {
            let url = autodiscover(&args).await?;
            real_exchange(&args, &url).await
        }
        None => demo(false).await,
    }
}

/// Finds the EWS URL of the `--from` mailbox with Autodiscover.
async fn autodiscover(args: &Args) -> Result<String, Box<dyn Error>> {
    let from: SmtpAddress = given(&args.from)
        .ok_or("--from (or EWS_FROM) is needed to find the EWS URL without EWS_URL")?
        .parse()?;
    let credentials = match args.secret() {
        _ if args.ntlm || args.negotiate => windows_credentials(args)?,
        Some(Secret::Bearer(token)) => Credentials::bearer(token),
        Some(Secret::Basic(user, password)) => Credentials::basic(user, password),
        None => return Err("set EWS_TOKEN, or EWS_USERNAME and EWS_PASSWORD".into()),
    };
    let mut builder = Autodiscover::builder().credentials(credentials);
    for host in given(&args.allow).unwrap_or_default().split(',') {
        if !host.trim().is_empty() {
            builder = builder.allow_host(host.trim());
        }
    }
    println!("EWS_URL is not set: Autodiscover for {from}...");
    let endpoint = match builder.build()?.discover(&from).await {
        Ok(endpoint) => endpoint,
        Err(err) => {
            eprintln!("{err}");
            return Err(
                "Autodiscover failed: set EWS_URL, or fix what the steps above report".into(),
            );
        }
    };
    println!(
        "Autodiscover: EWS at {} (answered by {})",
        endpoint.url(),
        endpoint.answered_by()
    );
    Ok(endpoint.url().to_string())
}

fn person(address: &str, name: &str) -> Result<Participant, Box<dyn Error>> {
    Ok(Participant::new(
        format!("sip:{address}").parse()?,
        address.parse()?,
        name,
    ))
}

fn offline_im(
    from: &Participant,
    to: &Participant,
    text: &str,
) -> Result<OfflineIm, Box<dyn Error>> {
    Ok(OfflineIm::builder()
        .sender(from.clone())
        .recipient(to.clone())
        .line(ImLine::new(
            from.sip().clone(),
            OffsetDateTime::now_utc(),
            text,
        ))
        .build()?)
}

/// Prints what the planner decides for each message, then what the sender reports.
async fn send_and_report<T: Transport>(
    sender: &Sender<T>,
    settings: &Settings,
    messages: Vec<OfflineIm>,
) -> Result<(), Box<dyn Error>> {
    let planner = settings.planner().build();
    let reports = sender.send_all(messages.clone()).await;
    for (n, (message, report)) in messages.iter().zip(&reports).enumerate() {
        let decision = planner.decide(message, &settings.sender(message.sender().sip()))?;
        let pair = format!(
            "{} -> {}",
            message.sender().smtp(),
            message.recipient().smtp()
        );
        let (verdict, detail) = match (&report.outcome, &decision) {
            (Outcome::Delivered { .. }, Decision::Deliver(plan)) => (
                "DELIVERED",
                match report.saved_folder {
                    Some(folder) => format!(
                        "{}, sent as {}, copy in {folder}",
                        plan.route(),
                        plan.item_class()
                    ),
                    None => format!("{}, sent as {}", plan.route(), plan.item_class()),
                },
            ),
            (Outcome::Denied(denial), _) => ("DENIED", denial.to_string()),
            (Outcome::Blocked(reason), _) => ("BLOCKED", reason.to_string()),
            (other, _) => ("NOT SENT", other.to_string()),
        };
        println!("{}. {pair:<38} {verdict:<9} {detail}", n + 1);
    }
    println!("{}", Summary::of(&reports));
    Ok(())
}

/// Sends one message from --from to each --to address through Microsoft Graph
/// at `root`, every sender's mailbox taken to be in Exchange Online.
async fn real_graph(args: &Args, root: &str) -> Result<(), Box<dyn Error>> {
    let Some(Secret::Bearer(token)) = args.secret() else {
        return Err("--graph URL needs --token (EWS_TOKEN): an app-only Graph token".into());
    };
    let url: url::Url = root.parse()?;
    let graph = || {
        HttpTransport::builder(url.clone())
            .timeout(Duration::from_secs(30))
            .bearer(token.clone())
            .build()
    };
    let from = given(&args.from).ok_or("--from (or EWS_FROM) is needed")?;
    let to = given(&args.to).ok_or("--to (or EWS_TO) is needed with --graph URL")?;
    let settings = match given(&args.settings) {
        Some(path) if std::path::Path::new(&path).is_dir() => Settings::from_powershell_dir(&path)?,
        Some(path) => Settings::from_path(&path)?,
        None => Settings::from_toml_str(CONTOSO)?,
    };
    let senders = settings.senders.clone();
    // The main transport serves on-premises senders: here there are none.
    let sender = Sender::from_settings(graph()?, settings.clone())
        .profiles(move |sip| {
            let mut profile = senders.get(sip).cloned().unwrap_or_default();
            profile.mailbox = MailboxLocation::ExchangeOnline;
            profile
        })
        .graph(graph()?)
        .graph_root(root.parse()?)
        .build()?;
    let from = person(&from, &from)?;
    let messages = to
        .split(',')
        .map(|to| {
            offline_im(
                &from,
                &person(to.trim(), to.trim())?,
                "Sent by the offline-im example",
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    println!(
        "Sending {} offline IM(s) through Microsoft Graph at {root}\n",
        messages.len()
    );
    send_and_report(&sender, &settings, messages).await
}

/// The demo on the embedded server; with `graph`, Kim's mailbox is in Exchange
/// Online and her messages go through the server's Graph endpoints.
async fn demo(graph: bool) -> Result<(), Box<dyn Error>> {
    let server = TestServer::builder()
        .hosted_domain("contoso.com")
        .mailbox_without_conversation_history("sam@contoso.com")
        .basic_user("svc-offline-im@contoso.com", "demo password")
        .start()
        .await?;
    println!(
        "Contoso's Exchange (embedded test server): {}",
        server.url()
    );
    println!(
        "contoso.com federates with fabrikam.com and blocks spam.example; lee has Tag:NoArchiving;\n\
         sam's mailbox has no Conversation History (sam never ran Skype for Business)\n"
    );

    let settings = Settings::from_toml_str(CONTOSO)?;
    let transport = HttpTransport::builder(server.url().parse()?)
        .basic("svc-offline-im@contoso.com", "demo password")
        .allow_http(true) // loopback only; real servers need HTTPS
        .build()?;
    let mut builder = Sender::from_settings(transport, settings.clone());
    if graph {
        println!(
            "--graph: Kim's mailbox is in Exchange Online, served through {}\n",
            server.graph_url()
        );
        let senders = settings.senders.clone();
        let graph_transport = HttpTransport::builder(server.graph_url().parse()?)
            .bearer("demo-token")
            .allow_http(true)
            .build()?;
        builder = builder
            .profiles(move |sip| {
                let mut profile = senders.get(sip).cloned().unwrap_or_default();
                if sip.address() == "kim@contoso.com" {
                    profile.mailbox = MailboxLocation::ExchangeOnline;
                }
                profile
            })
            .graph(graph_transport)
            .graph_root(server.graph_url().parse()?);
    }
    let sender = builder.build()?;

    let kim = person("kim@contoso.com", "Kim Akers")?;
    let lee = person("lee@contoso.com", "Lee Gu")?;
    let pat = person("pat@contoso.com", "Pat Coleman")?;
    let ann = person("ann@fabrikam.com", "Ann Beebe")?;
    let bo = person("bo@spam.example", "Bo")?;
    let sam = person("sam@contoso.com", "Sam Lee")?;
    let messages = vec![
        offline_im(&kim, &pat, "Lunch at noon?")?,
        offline_im(&kim, &ann, "The contract is signed.")?,
        offline_im(&lee, &pat, "Call me back")?,
        offline_im(&kim, &bo, "Hello?")?,
        offline_im(&sam, &pat, "Are you in today?")?,
    ];
    send_and_report(&sender, &settings, messages).await?;

    // Like Exchange, the server submits a sent message after replying: wait for
    // its transport before looking into the mailboxes.
    server.idle().await;
    println!("\nWhat landed where:");
    let mailboxes: Vec<SmtpAddress> = server.mailboxes();
    for mailbox in &mailboxes {
        for folder in Folder::ALL {
            for item in server.folder(mailbox, folder) {
                println!(
                    "  {:<18} {:<20} {:<27} {:?}",
                    mailbox.as_str(),
                    folder.as_ews_str(),
                    item.item_class(),
                    item.subject().unwrap_or_default()
                );
            }
        }
    }
    for item in server.outbound() {
        let to = item
            .to()
            .first()
            .map(|r| r.address().as_str())
            .unwrap_or("?");
        println!(
            "  {:<18} {:<20} {:<27} {:?}",
            "(left contoso)",
            format!("to {to}"),
            item.item_class(),
            item.subject().unwrap_or_default()
        );
    }
    let drafts: usize = mailboxes
        .iter()
        .map(|m| server.folder(m, Folder::Drafts).len())
        .sum();
    println!("  drafts left behind: {drafts}");
    Ok(())
}

/// --ntlm or --negotiate: `NtlmTransport` (features `ntlm`, `kerberos`).
#[cfg(feature = "ntlm")]
async fn windows_auth(args: &Args, url: &str) -> Result<(), Box<dyn Error>> {
    use offline_im::transport::{NtlmCredentials, NtlmTransport};
    let mut builder = if args.negotiate {
        negotiate_builder(args, url)?
    } else {
        let user = given(&args.user).ok_or("--ntlm needs --user (or EWS_USERNAME)")?;
        let password = args.password.clone().unwrap_or_default();
        NtlmTransport::builder(url.parse()?, NtlmCredentials::parse(&user, password)?)
    };
    if let Some(spn) = given(&args.spn) {
        builder = builder.service_principal(spn);
    }
    send_through(args, url, builder.build()?).await
}

#[cfg(feature = "kerberos")]
fn negotiate_builder(
    args: &Args,
    url: &str,
) -> Result<offline_im::transport::NtlmTransportBuilder, Box<dyn Error>> {
    use offline_im::transport::{NegotiateCredentials, NtlmTransport};
    let credentials = match given(&args.user) {
        Some(principal) => {
            NegotiateCredentials::password(principal, args.password.clone().unwrap_or_default())?
        }
        None => NegotiateCredentials::default_credentials(),
    };
    Ok(NtlmTransport::negotiate(url.parse()?, credentials))
}

#[cfg(all(feature = "ntlm", not(feature = "kerberos")))]
fn negotiate_builder(
    _: &Args,
    _: &str,
) -> Result<offline_im::transport::NtlmTransportBuilder, Box<dyn Error>> {
    Err("--negotiate needs the kerberos feature: cargo run --features kerberos --example send_offline_im".into())
}

#[cfg(not(feature = "ntlm"))]
async fn windows_auth(_: &Args, _: &str) -> Result<(), Box<dyn Error>> {
    Err(
        "--ntlm needs the ntlm feature and --negotiate the kerberos feature: \
         cargo run --features kerberos --example send_offline_im -- ..."
            .into(),
    )
}

/// Autodiscover's credentials for --ntlm or --negotiate.
fn windows_credentials(args: &Args) -> Result<Credentials, Box<dyn Error>> {
    let user = given(&args.user);
    let password = args.password.clone().unwrap_or_default();
    if args.negotiate {
        #[cfg(feature = "kerberos")]
        {
            use offline_im::transport::NegotiateCredentials;
            return Ok(Credentials::negotiate(match user {
                Some(principal) => NegotiateCredentials::password(principal, password)?,
                None => NegotiateCredentials::default_credentials(),
            }));
        }
        #[cfg(not(feature = "kerberos"))]
        return Err("--negotiate needs the kerberos feature".into());
    }
    #[cfg(feature = "ntlm")]
    {
        let user = user.ok_or("--ntlm needs --user (or EWS_USERNAME)")?;
        Ok(Credentials::ntlm(
            offline_im::transport::NtlmCredentials::parse(&user, password)?,
        ))
    }
    #[cfg(not(feature = "ntlm"))]
    {
        let _ = (user, password);
        Err("--ntlm needs the ntlm feature".into())
    }
}

async fn real_exchange(args: &Args, url: &str) -> Result<(), Box<dyn Error>> {
    let mut transport = HttpTransport::builder(url.parse()?).timeout(Duration::from_secs(30));
    transport = match args.secret() {
        Some(Secret::Bearer(token)) => transport.bearer(token),
        Some(Secret::Basic(user, password)) => transport.basic(user, password),
        None => return Err("set EWS_TOKEN, or EWS_USERNAME and EWS_PASSWORD".into()),
    };
    send_through(args, url, transport.build()?).await
}

/// Sends one message from --from to each --to address through `transport`.
async fn send_through<T: Transport>(
    args: &Args,
    url: &str,
    transport: T,
) -> Result<(), Box<dyn Error>> {
    let from = given(&args.from).ok_or("--from (or EWS_FROM) is needed")?;
    let to = given(&args.to).ok_or("--to (or EWS_TO) is needed with EWS_URL")?;
    let settings = match given(&args.settings) {
        Some(path) if std::path::Path::new(&path).is_dir() => Settings::from_powershell_dir(&path)?,
        Some(path) => Settings::from_path(&path)?,
        None => Settings::from_toml_str(CONTOSO)?,
    };
    let sender = Sender::from_settings(transport, settings.clone()).build()?;
    let from = person(&from, &from)?;
    let messages = to
        .split(',')
        .map(|to| {
            offline_im(
                &from,
                &person(to.trim(), to.trim())?,
                "Sent by the offline-im example",
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    println!("Sending {} offline IM(s) through {url}\n", messages.len());
    send_and_report(&sender, &settings, messages).await
}
