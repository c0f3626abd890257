//! Opening a connection to the endpoint: TCP, TLS, and an HTTP/1.1 client on it.

use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tracing::debug;

use super::channel_binding;

type BoxError = Box<dyn StdError + Send + Sync>;

/// Where connections go, and how they are secured.
pub(crate) struct Target {
    /// The host to connect to (an IPv6 address without brackets).
    pub(crate) host: String,
    pub(crate) port: u16,
    /// TLS for `https://` endpoints; `None` for plain HTTP.
    pub(crate) tls: Option<(TlsConnector, ServerName<'static>)>,
}

/// One HTTP/1.1 connection to the endpoint.
pub(crate) struct Connection {
    pub(crate) sender: SendRequest<Full<Bytes>>,
    /// The `tls-server-end-point` channel binding of this TLS connection (its
    /// application data), or `None` on plain HTTP.
    pub(crate) tls_end_point: Option<Vec<u8>>,
    /// When it last finished a request (set when it goes back to the pool).
    pub(crate) idle_since: Instant,
}

/// Connects to `target` and starts an HTTP/1.1 client on the connection; the
/// connection's I/O runs in a task of its own until either side closes it.
pub(crate) async fn open(target: &Target) -> Result<Connection, BoxError> {
    let tcp = TcpStream::connect((target.host.as_str(), target.port)).await?;
    tcp.set_nodelay(true)?;
    let Some((connector, server_name)) = &target.tls else {
        let (sender, connection) = http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(drive(connection));
        return Ok(Connection {
            sender,
            tls_end_point: None,
            idle_since: Instant::now(),
        });
    };
    let tls = connector.connect(server_name.clone(), tcp).await?;
    let tls_end_point = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|leaf| channel_binding::application_data(leaf));
    let (sender, connection) = http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(drive(connection));
    Ok(Connection {
        sender,
        tls_end_point,
        idle_since: Instant::now(),
    })
}

async fn drive<T>(connection: http1::Connection<T, Full<Bytes>>)
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    if let Err(err) = connection.await {
        debug!(error = %err, "EWS connection closed with an error");
    }
}

/// A TLS connector speaking HTTP/1.1, trusting what the platform trusts, or
/// only the root certificates `roots` (DER) when there are any.
pub(crate) fn tls_connector(roots: &[Vec<u8>]) -> Result<TlsConnector, rustls::Error> {
    use rustls::pki_types::CertificateDer;
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?;
    let mut config = if roots.is_empty() {
        builder.with_platform_verifier()?.with_no_client_auth()
    } else {
        let mut store = rustls::RootCertStore::empty();
        for der in roots {
            store.add(CertificateDer::from(der.clone()))?;
        }
        builder.with_root_certificates(store).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsConnector::from(Arc::new(config)))
}
