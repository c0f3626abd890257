//! Starts tests/ntlm_server/server.py (pyspnego's NTLM acceptor behind a small
//! HTTP/1.1 server) on 127.0.0.1 for the NTLM tests.

#![allow(dead_code)] // each test binary uses a part

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use offline_im::transport::{NtlmCredentials, NtlmTransport};
use serde_json::Value;

pub const KIM_PASSWORD: &str = "Kim-Pa55w0rd!";
pub const ANN_PASSWORD: &str = "Ann-An0ther-pw";
pub const ACCOUNTS: &str = "CONTOSO:kim:Kim-Pa55w0rd!\n:ann@contoso.com:Ann-An0ther-pw\n";

/// The Python server, stopped (killed by its process id) when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    ca_der: Option<Vec<u8>>,
    _accounts: tempfile::TempDir,
}

impl Server {
    /// Starts the server with `args`, or returns `None` (after printing
    /// "skipped") when python3 or pyspnego is missing and the check is optional.
    pub fn start(args: &[&str]) -> Option<Self> {
        let available = Command::new("python3")
            .args(["-c", "import spnego"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !available {
            assert!(
                std::env::var("OFFLINE_IM_REQUIRE_NTLM_CHECK").as_deref() != Ok("1"),
                "python3 with pyspnego is required (OFFLINE_IM_REQUIRE_NTLM_CHECK=1): \
                 python3 -m pip install pyspnego"
            );
            println!("skipped: python3 with pyspnego is not available");
            return None;
        }
        let accounts = tempfile::tempdir().unwrap();
        let file = accounts.path().join("ntlm_users");
        std::fs::write(&file, ACCOUNTS).unwrap();
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/ntlm_server/server.py"
            ))
            .args(args)
            .env("NTLM_USER_FILE", &file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut port = None;
        let mut ca_der = None;
        while let Some(Ok(line)) = lines.next() {
            if let Some(value) = line.strip_prefix("PORT ") {
                port = Some(value.parse().unwrap());
            } else if let Some(path) = line.strip_prefix("CERT ") {
                ca_der = Some(std::fs::read(path).unwrap());
            }
            if port.is_some() && (ca_der.is_some() || !args.contains(&"--tls")) {
                break;
            }
        }
        Some(Self {
            child,
            port: port.expect("the server printed its port"),
            ca_der,
            _accounts: accounts,
        })
    }

    pub fn endpoint(&self) -> url::Url {
        let scheme = if self.ca_der.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://127.0.0.1:{}/EWS/Exchange.asmx", self.port)
            .parse()
            .unwrap()
    }

    pub fn transport(&self, credentials: NtlmCredentials) -> NtlmTransport {
        let mut builder = NtlmTransport::builder(self.endpoint(), credentials)
            .allow_http(true)
            .timeout(Duration::from_secs(20));
        if let Some(ca) = &self.ca_der {
            builder = builder.trust_only_root_der(ca.clone());
        }
        builder.build().unwrap()
    }

    /// The test CA's certificate (DER), with `--tls`.
    pub fn ca_der(&self) -> Option<&[u8]> {
        self.ca_der.as_deref()
    }

    /// A client for the server's control requests (`/stats`, `/forget`).
    fn control(&self) -> (reqwest::Client, String) {
        let mut client = reqwest::Client::builder();
        if let Some(ca) = &self.ca_der {
            client = client.tls_certs_only([reqwest::Certificate::from_der(ca).unwrap()]);
        }
        let base = self.endpoint().join("/").unwrap().to_string();
        (client.build().unwrap(), base)
    }

    pub async fn stats(&self) -> Value {
        let (client, base) = self.control();
        let bytes = client
            .get(format!("{base}stats"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    pub async fn forget(&self) {
        let (client, base) = self.control();
        let status = client
            .post(format!("{base}forget"))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 204);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
