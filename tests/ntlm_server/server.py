#!/usr/bin/env python3
"""A small EWS-like HTTP/1.1 server that authenticates connections with NTLM.

The NTLM acceptor is pyspnego's (``spnego.server``), checking responses against
the accounts in the file named by ``NTLM_USER_FILE`` (``DOMAIN:user:password``
lines; ``:user@domain:password`` for user principal names).

Used by tests/transport_ntlm.rs. It binds 127.0.0.1:0, prints ``PORT <n>``
(and ``CERT <path>`` with ``--tls``) on stdout, and stops when its standard
input closes or after ``--lifetime`` seconds, whichever comes first.

Behaviour, per connection:
- ``POST`` on an authenticated connection: 200 with a SOAP body naming the
  authenticated account and the body length received.
- ``POST`` with ``Authorization: NTLM <NEGOTIATE>``: 401 with the CHALLENGE.
- ``POST`` with ``Authorization: NTLM <AUTHENTICATE>``: the connection is
  authenticated and the request answered as above, or 401 when pyspnego
  refuses the response.
- Anything else: 401 ``WWW-Authenticate: NTLM`` (``Negotiate`` only with
  ``--negotiate-only``).
- ``--stall handshake`` / ``--stall request``: never answer a NEGOTIATE, or a
  POST with a body on an authenticated connection (for timeout tests).
- ``GET /stats``: counters as JSON (``requests`` counts POSTs with a body
  served authenticated); ``POST /forget``: every connection's
  authentication is dropped (the next request on it gets 401). Neither needs
  authentication.
"""

import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import ssl
import sys
import tempfile
import threading
import time

import spnego
from spnego.channel_bindings import GssChannelBindings
from spnego._ntlm_raw.messages import Authenticate, AvId, NTClientChallengeV2

LOCK = threading.Lock()
STATS = {
    "negotiates": 0,
    "authenticated": 0,
    "refused": 0,
    "requests": 0,
    "unauthenticated_body_lengths": [],
    "bindings": [],
    "users": [],
}
GENERATION = [0]


def make_certificate(directory):
    """A CA and a leaf certificate for 127.0.0.1, localhost and contoso.com's
    Autodiscover hosts, written to `directory`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "offline-im test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                    x509.DNSName("contoso.com"),
                    x509.DNSName("autodiscover.contoso.com"),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA384())
    )
    paths = {name: os.path.join(directory, name) for name in ("ca.der", "leaf.pem", "key.pem")}
    with open(paths["ca.der"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.DER))
    with open(paths["leaf.pem"], "wb") as f:
        f.write(leaf.public_bytes(serialization.Encoding.PEM))
    with open(paths["key.pem"], "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    # The leaf is signed with ECDSA-SHA384, so tls-server-end-point hashes it with SHA-384.
    leaf_hash = hashlib.sha384(leaf.public_bytes(serialization.Encoding.DER)).digest()
    return paths, GssChannelBindings(application_data=b"tls-server-end-point:" + leaf_hash)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ntlm-test-server"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        self.context = None
        self.user = None
        self.generation = None

    def log_message(self, format, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/xml; charset=utf-8" if body else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def challenge_headers(self, token=None):
        scheme = "Negotiate" if self.server.negotiate_only else "NTLM"
        value = scheme if token is None else "%s %s" % (scheme, base64.b64encode(token).decode())
        return [("WWW-Authenticate", value)]

    def do_GET(self):
        self.read_body()
        if self.path == "/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            self.reply(200, body)
        else:
            self.reply(404)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def authenticated(self):
        return self.user is not None and self.generation == GENERATION[0]

    def do_POST(self):
        body = self.read_body()
        if self.path == "/forget":
            with LOCK:
                GENERATION[0] += 1
            self.reply(204)
            return
        if self.authenticated():
            self.serve(body)
            return
        with LOCK:
            STATS["unauthenticated_body_lengths"].append(len(body))
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        accepted = ("Negotiate",) if self.server.negotiate_only else ("NTLM", "Negotiate")
        if scheme not in accepted or not token:
            self.reply(401, headers=self.challenge_headers())
            return
        token = base64.b64decode(token)
        if token[8:12] == b"\x01\x00\x00\x00":
            if self.server.stall == "handshake":
                time.sleep(self.server.lifetime)
                return
            self.context = spnego.server(protocol="ntlm")
            self.user = None
            with LOCK:
                STATS["negotiates"] += 1
            self.reply(401, headers=self.challenge_headers(self.context.step(token)))
            return
        if token[8:12] == b"\x03\x00\x00\x00" and self.context is not None:
            bindings = self.bindings_sent(token)
            try:
                expected = self.server.bindings
                if expected is not None and bindings != hashlib.md5(expected.pack()).digest():
                    raise ValueError("channel bindings do not match the TLS channel")
                self.context.step(token, channel_bindings=expected)
            except Exception:
                self.context = None
                with LOCK:
                    STATS["refused"] += 1
                self.reply(401, headers=self.challenge_headers())
                return
            self.user = self.context.client_principal
            self.generation = GENERATION[0]
            with LOCK:
                STATS["authenticated"] += 1
                STATS["users"].append(self.user)
                STATS["bindings"].append(bindings.hex() if bindings else None)
            self.serve(body)
            return
        self.reply(401, headers=self.challenge_headers())

    @staticmethod
    def bindings_sent(token):
        auth = Authenticate.unpack(token)
        nt = auth.nt_challenge_response or b""
        if len(nt) <= 24:
            return None
        return NTClientChallengeV2.unpack(nt[16:]).av_pairs.get(AvId.channel_bindings)

    def serve(self, body):
        if body and self.server.stall == "request":
            time.sleep(self.server.lifetime)
            return
        if body:  # the empty POSTs of a handshake are not requests
            with LOCK:
                STATS["requests"] += 1
        if body and self.server.autodiscover and "/autodiscover/" in self.path.lower():
            self.reply(200, autodiscover_answer(self.path, self.server.autodiscover))
            return
        anchor = self.headers.get("X-AnchorMailbox") or ""
        soap = (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<Authenticated user="%s" bytes="%d" anchor="%s"/></s:Body></s:Envelope>'
            % (self.user, len(body), anchor)
        )
        self.reply(200, soap.encode())


def autodiscover_answer(path, ews_url):
    """Exchange's answer naming `ews_url`: SOAP for autodiscover.svc, POX for
    autodiscover.xml (MS-OXDSCLI, MS-OXWSADISC)."""
    if path.lower().endswith(".svc"):
        return (
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            '<GetUserSettingsResponseMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover">'
            '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><ErrorCode>NoError</ErrorCode>'
            "<ErrorMessage/><UserResponses><UserResponse><ErrorCode>NoError</ErrorCode>"
            '<ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil="true"/><UserSettingErrors/>'
            '<UserSettings><UserSetting i:type="StringSetting"><Name>ExternalEwsUrl</Name>'
            "<Value>%s</Value></UserSetting></UserSettings></UserResponse></UserResponses>"
            "</Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>" % ews_url
        ).encode()
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">'
        '<Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">'
        "<Account><AccountType>email</AccountType><Action>settings</Action>"
        "<Protocol><Type>EXPR</Type><EwsUrl>%s</EwsUrl></Protocol></Account>"
        "</Response></Autodiscover>" % ews_url
    ).encode()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that reject the test certificate or hang up are expected here.
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--negotiate-only", action="store_true")
    parser.add_argument("--stall", choices=["handshake", "request"])
    parser.add_argument("--lifetime", type=float, default=120.0)
    parser.add_argument("--autodiscover", metavar="EWS_URL")
    args = parser.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.negotiate_only = args.negotiate_only
    server.stall = args.stall
    server.lifetime = args.lifetime
    server.autodiscover = args.autodiscover
    server.bindings = None
    cert_dir = tempfile.TemporaryDirectory()
    if args.tls:
        paths, server.bindings = make_certificate(cert_dir.name)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths["leaf.pem"], paths["key.pem"])
        server.socket = context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
    print("PORT %d" % server.server_address[1], flush=True)
    if args.tls:
        print("CERT %s" % paths["ca.der"], flush=True)

    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Stop when the test that started us goes away (stdin closes) or the lifetime ends.
    done = threading.Event()

    def watch_stdin():
        sys.stdin.read()
        done.set()

    threading.Thread(target=watch_stdin, daemon=True).start()
    done.wait(args.lifetime)
    server.shutdown()
    cert_dir.cleanup()


if __name__ == "__main__":
    main()
