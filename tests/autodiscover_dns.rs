//! The built-in UDP SRV resolver against a fake DNS server on 127.0.0.1.

#[path = "support/autodiscover_fake.rs"]
mod autodiscover_fake;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autodiscover_fake::{FakeNet, pox_settings};
use offline_im::autodiscover::{
    AttemptOutcome, Autodiscover, Credentials, SrvError, SrvRecord, SrvResolver, UdpSrvResolver,
    order_srv_records,
};
use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

const NAME: &str = "_autodiscover._tcp.contoso.com";
const SHORT: Duration = Duration::from_millis(300);

/// What the fake server does with a query: the datagrams it sends back.
type Script = dyn Fn(&Query) -> Vec<Vec<u8>> + Send + Sync;

/// The parts of a received query a reply needs.
struct Query {
    id: u16,
    /// The question section, as received (name, type, class).
    question: Vec<u8>,
}

/// A DNS server on 127.0.0.1 answering from a script; stops when dropped or
/// after 20 s.
struct FakeDns {
    addr: SocketAddr,
    queries: Arc<Mutex<usize>>,
    task: JoinHandle<()>,
}

impl FakeDns {
    async fn start(script: impl Fn(&Query) -> Vec<Vec<u8>> + Send + Sync + 'static) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        let queries = Arc::new(Mutex::new(0));
        let seen = queries.clone();
        let script: Box<Script> = Box::new(script);
        let task = tokio::spawn(async move {
            let serve = async {
                let mut buf = [0u8; 1024];
                loop {
                    let Ok((len, from)) = socket.recv_from(&mut buf).await else {
                        return;
                    };
                    *seen.lock().unwrap() += 1;
                    let packet = &buf[..len];
                    assert!(len > 12, "a query has a header and a question");
                    let query = Query {
                        id: u16::from_be_bytes([packet[0], packet[1]]),
                        question: packet[12..].to_vec(),
                    };
                    for reply in script(&query) {
                        let _ = socket.send_to(&reply, from).await;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(20), serve).await;
        });
        Self {
            addr,
            queries,
            task,
        }
    }

    fn queries(&self) -> usize {
        *self.queries.lock().unwrap()
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A response header and the question echoed back; `flags` low byte holds
/// the RCODE.
fn reply(query: &Query, id: u16, flags: u16, answers: &[Vec<u8>]) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&id.to_be_bytes());
    p.extend_from_slice(&flags.to_be_bytes());
    p.extend_from_slice(&1u16.to_be_bytes());
    p.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0]);
    p.extend_from_slice(&query.question);
    for answer in answers {
        p.extend_from_slice(answer);
    }
    p
}

const OK: u16 = 0x8180; // QR, RD, RA, NOERROR

/// `name` as uncompressed labels.
fn labels(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.') {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// A resource record owned by the question name (a pointer to offset 12).
fn record(rtype: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut r = vec![0xc0, 12];
    r.extend_from_slice(&rtype.to_be_bytes());
    r.extend_from_slice(&1u16.to_be_bytes());
    r.extend_from_slice(&ttl.to_be_bytes());
    r.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    r.extend_from_slice(rdata);
    r
}

/// SRV record data with an uncompressed target.
fn srv(priority: u16, weight: u16, port: u16, target: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    for n in [priority, weight, port] {
        d.extend_from_slice(&n.to_be_bytes());
    }
    d.extend_from_slice(target);
    d
}

fn resolver(servers: &[&FakeDns]) -> UdpSrvResolver {
    UdpSrvResolver::new(servers.iter().map(|s| s.addr).collect())
        .timeout(SHORT)
        .attempts(1)
}

async fn lookup(servers: &[&FakeDns]) -> Result<Vec<SrvRecord>, SrvError> {
    resolver(servers).lookup_srv(NAME).await
}

#[tokio::test]
async fn one_compressed_answer_is_read() {
    let dns = FakeDns::start(|q| {
        // Target "mail" + a pointer to "contoso.com" inside the question
        // (after the 14 + 5 bytes of "_autodiscover" and "_tcp").
        let target = [&[4u8][..], b"mail", &[0xc0, 12 + 14 + 5]].concat();
        vec![reply(
            q,
            q.id,
            OK,
            &[record(33, 600, &srv(0, 0, 443, &target))],
        )]
    })
    .await;
    let records = lookup(&[&dns]).await.unwrap();
    assert_eq!(
        records,
        [SrvRecord {
            priority: 0,
            weight: 0,
            port: 443,
            target: "mail.contoso.com".into(),
            ttl: Duration::from_secs(600),
        }]
    );
}

#[tokio::test]
async fn several_answers_are_all_returned_and_others_ignored() {
    let dns = FakeDns::start(|q| {
        let answers = [
            record(33, 60, &srv(10, 1, 443, &labels("backup.contoso.com"))),
            record(5, 60, &labels("elsewhere.contoso.com")), // CNAME: ignored
            record(33, 60, &srv(0, 5, 8443, &labels("MAIL.contoso.com"))),
            record(33, 60, &srv(0, 9, 443, &labels("mail2.contoso.com"))),
            record(33, 60, &srv(0, 0, 443, &[0])), // "." : no service
        ];
        vec![reply(q, q.id, OK, &answers)]
    })
    .await;
    let records = order_srv_records(lookup(&[&dns]).await.unwrap());
    let got: Vec<(String, u16)> = records.into_iter().map(|r| (r.target, r.port)).collect();
    assert_eq!(
        got,
        [
            ("mail2.contoso.com".to_owned(), 443),
            ("mail.contoso.com".to_owned(), 8443),
            ("backup.contoso.com".to_owned(), 443),
        ]
    );
}

#[tokio::test]
async fn nxdomain_is_no_records_and_servfail_an_error() {
    let nx = FakeDns::start(|q| vec![reply(q, q.id, OK | 3, &[])]).await;
    assert_eq!(lookup(&[&nx]).await.unwrap(), []);

    let fail = FakeDns::start(|q| vec![reply(q, q.id, OK | 2, &[])]).await;
    let err = lookup(&[&fail]).await.unwrap_err().to_string();
    assert!(err.contains("SERVFAIL"), "{err}");
    assert!(err.contains(&fail.addr.to_string()), "{err}");

    let refused = FakeDns::start(|q| vec![reply(q, q.id, OK | 5, &[])]).await;
    let err = lookup(&[&refused]).await.unwrap_err().to_string();
    assert!(err.contains("REFUSED"), "{err}");
}

#[tokio::test]
async fn a_truncated_answer_is_an_error() {
    let dns = FakeDns::start(|q| vec![reply(q, q.id, OK | 0x0200, &[])]).await;
    let err = lookup(&[&dns]).await.unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
    assert!(err.contains("TCP is not supported"), "{err}");
}

#[tokio::test]
async fn a_reply_with_another_id_is_ignored_until_the_timeout() {
    let dns = FakeDns::start(|q| {
        let answer = record(33, 60, &srv(0, 0, 443, &labels("evil.example.net")));
        vec![reply(q, q.id.wrapping_add(1), OK, &[answer])]
    })
    .await;
    let err = lookup(&[&dns]).await.unwrap_err().to_string();
    assert!(err.contains("timeout"), "{err}");
    assert!(!err.contains("evil"), "{err}");

    // A late reply with the right id after a spoofed one is still taken.
    let dns = FakeDns::start(|q| {
        let spoof = record(33, 60, &srv(0, 0, 443, &labels("evil.example.net")));
        let real = record(33, 60, &srv(0, 0, 443, &labels("mail.contoso.com")));
        vec![
            reply(q, q.id ^ 0x8000, OK, &[spoof]),
            reply(q, q.id, OK, &[real]),
        ]
    })
    .await;
    let records = lookup(&[&dns]).await.unwrap();
    assert_eq!(records[0].target, "mail.contoso.com");
}

#[tokio::test]
async fn a_silent_server_is_skipped_for_the_next() {
    let silent = FakeDns::start(|_| Vec::new()).await;
    let good = FakeDns::start(|q| {
        vec![reply(
            q,
            q.id,
            OK,
            &[record(33, 60, &srv(0, 0, 443, &labels("mail.contoso.com")))],
        )]
    })
    .await;
    let records = lookup(&[&silent, &good]).await.unwrap();
    assert_eq!(records[0].target, "mail.contoso.com");
    assert_eq!((silent.queries(), good.queries()), (1, 1));

    // With two attempts and only silent servers, each is asked twice.
    let err = resolver(&[&silent])
        .attempts(2)
        .lookup_srv(NAME)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("timeout"), "{err}");
    assert_eq!(silent.queries(), 3);
}

#[tokio::test]
async fn garbage_is_an_error_not_a_panic() {
    let garbage: Vec<Vec<u8>> = vec![
        vec![1, 2, 3],
        b"HTTP/1.1 200 OK\r\n\r\n".to_vec(),
        [&[0x81, 0x80][..], &[0xff; 300]].concat(),
        vec![0xff; 300], // every flag: truncated
    ];
    for bytes in garbage {
        let dns = FakeDns::start(move |q| {
            // The right id, so the bytes are read, then whatever follows.
            let mut p = q.id.to_be_bytes().to_vec();
            p.extend_from_slice(&bytes);
            vec![p]
        })
        .await;
        let err = lookup(&[&dns]).await.unwrap_err().to_string();
        assert!(
            err.contains("malformed") || err.contains("truncated"),
            "{err}"
        );
    }
    // A record whose length runs past the end of the packet.
    let dns = FakeDns::start(|q| {
        let mut answer = record(33, 60, &srv(0, 0, 443, &labels("mail.contoso.com")));
        answer.truncate(answer.len() - 3);
        vec![reply(q, q.id, OK, &[answer])]
    })
    .await;
    let err = lookup(&[&dns]).await.unwrap_err().to_string();
    assert!(err.contains("malformed"), "{err}");
}

#[tokio::test]
async fn autodiscover_finds_the_endpoint_through_the_srv_record() {
    let ews = "https://mail.contoso.com/EWS/Exchange.asmx";
    let dns = FakeDns::start(|q| {
        vec![reply(
            q,
            q.id,
            OK,
            &[record(
                33,
                120,
                &srv(0, 0, 443, &labels("mail.contoso.com")),
            )],
        )]
    })
    .await;
    // Only the SRV target answers; every earlier step is unreachable.
    let net = FakeNet::new();
    net.route(
        "https://mail.contoso.com/autodiscover/autodiscover.xml",
        pox_settings(ews),
    );
    let autodiscover = Autodiscover::builder()
        .transport(net.holding(Credentials::basic("kim@contoso.com", "pw")))
        .resolver(resolver(&[&dns]))
        .build()
        .unwrap();
    let endpoint = autodiscover
        .discover(&"kim@contoso.com".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(endpoint.url().as_str(), ews);
    assert_eq!(dns.queries(), 1);

    // A name with no SRV record: the step says so.
    let nx = FakeDns::start(|q| vec![reply(q, q.id, OK | 3, &[])]).await;
    let err = Autodiscover::builder()
        .transport(FakeNet::new())
        .resolver(resolver(&[&nx]))
        .build()
        .unwrap()
        .discover(&"kim@contoso.com".parse().unwrap())
        .await
        .unwrap_err();
    assert!(
        err.attempts()
            .iter()
            .any(|a| a.outcome() == &AttemptOutcome::NoSrvRecords)
    );
}
