//! A tiny loopback HTTP/1.1 server for transport tests: one request per connection,
//! each answered by the next scripted action; it stops when the script is used up.
#![allow(dead_code)] // each test binary uses a part

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What the server does with the next request it reads.
pub enum Action {
    /// Write these bytes (a whole HTTP response), then close.
    Respond(Vec<u8>),
    /// Say nothing for this long, then close.
    Hang(Duration),
    /// Close the connection without a reply.
    Close,
}

/// One request as the server read it.
#[derive(Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The value of header `name` (any case), if sent exactly once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        let first = values.next();
        assert!(values.next().is_none(), "header {name} sent more than once");
        first
    }
}

pub struct Server {
    pub addr: SocketAddr,
    received: mpsc::UnboundedReceiver<Received>,
}

impl Server {
    /// `http://127.0.0.1:<port>/EWS/Exchange.asmx`
    pub fn url(&self) -> url::Url {
        format!("http://{}/EWS/Exchange.asmx", self.addr)
            .parse()
            .unwrap()
    }

    /// Every request read so far (waits briefly for the server task to report).
    pub async fn received(&mut self) -> Vec<Received> {
        let mut all = Vec::new();
        while let Ok(Some(r)) =
            tokio::time::timeout(Duration::from_millis(200), self.received.recv()).await
        {
            all.push(r);
        }
        all
    }
}

/// Starts a server on 127.0.0.1:0 that answers requests with `actions`, in order.
pub async fn serve(actions: Vec<Action>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        for action in actions {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let Some(request) = read_request(&mut stream).await else {
                continue;
            };
            let _ = tx.send(request);
            match action {
                Action::Respond(bytes) => {
                    let _ = stream.write_all(&bytes).await;
                    let _ = stream.shutdown().await;
                }
                Action::Hang(duration) => tokio::time::sleep(duration).await,
                Action::Close => {}
            }
        }
    });
    Server { addr, received }
}

/// A complete HTTP/1.1 response that closes the connection.
pub fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Action {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Action::Respond(bytes)
}

async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut start = lines.next()?.split(' ');
    let method = start.next()?.to_owned();
    let path = start.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Received {
        method,
        path,
        headers,
        body,
    })
}

/// Standard base64 with padding, to check the Basic header independently.
pub fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
