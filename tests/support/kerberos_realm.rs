//! A real MIT Kerberos realm and a Negotiate acceptor on 127.0.0.1, for the
//! Kerberos tests: tests/kerberos/realm.py (KDCs made with `kdb5_util` and
//! `kadmin.local`) and tests/kerberos/acceptor.py (Python `gssapi` in front of
//! the embedded EWS server).

#![allow(dead_code)] // each test binary uses a part

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

pub const KIM: &str = "kim@CONTOSO.TEST";
pub const KIM_PASSWORD: &str = "Kim-Kerberos-pw1";
/// A user whose ticket in the cache collection expires 5 s after the realm starts.
pub const EVE_EXPIRING: &str = "eve@CONTOSO.TEST";
pub const SERVICE_ACCOUNT: &str = "svc-offline-im@CONTOSO.TEST";
/// A user of SKEW.TEST, whose KDC's clock runs an hour ahead.
pub const LEE_SKEWED: &str = "lee@SKEW.TEST";
pub const LEE_PASSWORD: &str = "Lee-Kerberos-pw1";
/// The embedded EWS server's own account, used by the acceptor behind which it runs.
pub const UPSTREAM_USER: &str = "svc-offline-im@contoso.com";
pub const UPSTREAM_PASSWORD: &str = "upstream password";

/// The realm, started once per test binary: the Kerberos library reads its
/// configuration from the process environment, which all tests share.
pub struct Realm {
    pub dir: PathBuf,
    // Closing realm.py's standard input (when the test binary exits) stops the KDCs.
    _stdin: Mutex<ChildStdin>,
    _child: Mutex<Child>,
}

fn tools_available() -> Result<(), String> {
    for tool in ["kdb5_util", "kadmin.local", "krb5kdc", "kinit", "faketime"] {
        let found = Command::new("sh")
            .args([
                "-c",
                &format!("command -v {tool} || test -x /usr/sbin/{tool}"),
            ])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Err(format!("{tool} is not installed"));
        }
    }
    let gssapi = Command::new("python3")
        .args(["-c", "import gssapi"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !gssapi {
        return Err("python3 with gssapi is not available".into());
    }
    Ok(())
}

/// The realm, or `None` (after printing "skipped") when the tools are missing
/// and the check is optional.
pub fn realm() -> Option<&'static Realm> {
    static REALM: OnceLock<Option<Realm>> = OnceLock::new();
    REALM.get_or_init(start_realm).as_ref()
}

fn start_realm() -> Option<Realm> {
    if let Err(missing) = tools_available() {
        assert!(
            std::env::var("OFFLINE_IM_REQUIRE_KERBEROS_CHECK").as_deref() != Ok("1"),
            "{missing} (OFFLINE_IM_REQUIRE_KERBEROS_CHECK=1): apt-get install krb5-kdc \
             krb5-admin-server krb5-user faketime; python3 -m pip install gssapi"
        );
        println!("skipped: {missing}");
        return None;
    }
    let mut child = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/kerberos/realm.py"
        ))
        .env(
            "PATH",
            format!("/usr/sbin:{}", std::env::var("PATH").unwrap_or_default()),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 starts");
    let mut dir = None;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(path) = line.strip_prefix("DIR ") {
            dir = Some(PathBuf::from(path));
        } else if line == "READY" {
            break;
        }
    }
    let dir = dir.expect("realm.py made the realm (see its error above)");
    // SAFETY: set once, before any test of this binary reads the environment
    // through the Kerberos library (every test gets the realm first).
    unsafe {
        std::env::set_var("KRB5_CONFIG", dir.join("krb5.conf"));
        std::env::set_var(
            "KRB5CCNAME",
            format!("DIR:{}", dir.join("ccaches").display()),
        );
        std::env::set_var("KRB5_CLIENT_KTNAME", dir.join("client.keytab"));
    }
    Some(Realm {
        dir,
        _stdin: Mutex::new(child.stdin.take().unwrap()),
        _child: Mutex::new(child),
    })
}

/// tests/kerberos/acceptor.py in front of `upstream`, stopped when dropped.
pub struct Acceptor {
    child: Child,
    pub port: u16,
    pub ca_der: Vec<u8>,
}

impl Acceptor {
    /// In front of the EWS server at `upstream`, with the fault flags `args`.
    pub fn start(realm: &Realm, upstream: &str, args: &[&str]) -> Self {
        let basic = format!("{UPSTREAM_USER}:{UPSTREAM_PASSWORD}");
        let mut all = vec!["--upstream", upstream, "--upstream-basic", &basic];
        all.extend_from_slice(args);
        Self::with_args(realm, &all)
    }

    /// Answering Autodiscover itself, naming `ews_url`.
    pub fn autodiscover(realm: &Realm, ews_url: &str) -> Self {
        Self::with_args(realm, &["--autodiscover", ews_url])
    }

    fn with_args(realm: &Realm, args: &[&str]) -> Self {
        let mut child = Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/kerberos/acceptor.py"
            ))
            .args(args)
            .env("KRB5_CONFIG", realm.dir.join("krb5.conf"))
            .env("KRB5_KTNAME", realm.dir.join("http.keytab"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let mut port = None;
        let mut ca_der = None;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(value) = line.strip_prefix("PORT ") {
                port = Some(value.parse().unwrap());
            } else if let Some(path) = line.strip_prefix("CERT ") {
                ca_der = Some(std::fs::read(path).unwrap());
            }
            if port.is_some() && ca_der.is_some() {
                break;
            }
        }
        Self {
            child,
            port: port.expect("the acceptor printed its port"),
            ca_der: ca_der.expect("the acceptor printed its CA"),
        }
    }

    /// The endpoint by host name, so that the derived principal is `HTTP/localhost`.
    pub fn endpoint(&self) -> url::Url {
        format!("https://localhost:{}/EWS/Exchange.asmx", self.port)
            .parse()
            .unwrap()
    }

    fn control(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_der(&self.ca_der).unwrap()])
            .build()
            .unwrap()
    }

    /// Drops every connection's authentication.
    pub async fn forget(&self) {
        let status = self
            .control()
            .post(format!("https://localhost:{}/forget", self.port))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 204);
    }

    pub async fn stats(&self) -> Value {
        let client = self.control();
        let bytes = client
            .get(format!("https://localhost:{}/stats", self.port))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
