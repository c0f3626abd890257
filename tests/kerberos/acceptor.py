#!/usr/bin/env python3
"""An HTTPS front end that demands Negotiate (Kerberos) before it passes a
request on to an EWS server, as IIS does in front of Exchange.

The acceptor is MIT Kerberos through Python's ``gssapi``, with the service key
from the keytab named by ``KRB5_KTNAME`` (``HTTP/localhost`` in the realm made
by realm.py). Authenticated requests are forwarded to ``--upstream`` (the
embedded EWS server), with ``--upstream-basic user:password``, and its reply is
returned unchanged.

It binds 127.0.0.1:0, prints ``PORT <n>`` and ``CERT <path>`` (the CA to
trust), and stops when its standard input closes or after ``--lifetime``
seconds.

Per connection, like IIS with Windows authentication:
- ``POST`` on an authenticated connection: forwarded.
- ``POST`` with ``Authorization: Negotiate <token>``: the token is accepted
  with the channel binding of this server's certificate (Extended Protection);
  when the context completes, the connection is authenticated and the reply
  (forwarded, or 200 for an empty handshake POST) carries the final token for
  mutual authentication. A refused token gets 401 ``WWW-Authenticate:
  Negotiate``.
- Anything else: 401 ``WWW-Authenticate: Negotiate``.

With ``--autodiscover EWS_URL`` it answers authenticated POSTs to
``/autodiscover/...`` itself, as Exchange's Autodiscover naming ``EWS_URL``.

Faults: ``--wrong-bindings`` checks the binding against another certificate
(what a TLS-inspecting proxy between client and server looks like);
``--no-mutual`` leaves out the final token.

``POST /forget``: every connection's authentication is dropped (the next
request on it gets 401, as IIS answers when it drops a connection's
authentication). ``GET /stats``: counters as JSON (``requests`` counts forwarded POSTs with a
body; ``users`` the authenticated principals; ``errors`` the acceptor's
messages).
"""

import argparse
import base64
import hashlib
import http.server
import importlib.util
import json
import os
import ssl
import sys
import tempfile
import threading
import urllib.error
import urllib.request

import gssapi
from gssapi.raw import ChannelBindings

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "ntlm_test_server", os.path.join(HERE, "..", "ntlm_server", "server.py")
)
ntlm_test_server = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ntlm_test_server)

LOCK = threading.Lock()
STATS = {
    "handshakes": 0,
    "authenticated": 0,
    "refused": 0,
    "requests": 0,
    "unauthenticated_body_lengths": [],
    "users": [],
    "errors": [],
}
GENERATION = [0]
FORWARDED_HEADERS = ("Content-Type", "X-AnchorMailbox", "client-request-id", "SOAPAction")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "negotiate-test-server"

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        self.user = None
        self.generation = None

    def log_message(self, format, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if not any(name.lower() == "content-type" for name, _ in headers):
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self.read_body()
        if self.path == "/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            self.reply(200, body, [("Content-Type", "application/json")])
        else:
            self.reply(404)

    def do_POST(self):
        body = self.read_body()
        if self.path == "/forget":
            with LOCK:
                GENERATION[0] += 1
            self.reply(204)
            return
        if self.user is not None and self.generation == GENERATION[0]:
            self.forward(body)
            return
        with LOCK:
            STATS["unauthenticated_body_lengths"].append(len(body))
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        if scheme != "Negotiate" or not token:
            self.reply(401, headers=[("WWW-Authenticate", "Negotiate")])
            return
        with LOCK:
            STATS["handshakes"] += 1
        try:
            context = gssapi.SecurityContext(
                usage="accept", channel_bindings=self.server.bindings
            )
            final = context.step(base64.b64decode(token))
            if not context.complete:
                raise ValueError("the context needs another round trip")
        except Exception as err:  # every refusal is a 401, as IIS answers
            with LOCK:
                STATS["refused"] += 1
                STATS["errors"].append(str(err))
            self.reply(401, headers=[("WWW-Authenticate", "Negotiate")])
            return
        self.user = str(context.initiator_name)
        self.generation = GENERATION[0]
        with LOCK:
            STATS["authenticated"] += 1
            STATS["users"].append(self.user)
        headers = []
        if final and not self.server.no_mutual:
            headers.append(("WWW-Authenticate", "Negotiate " + base64.b64encode(final).decode()))
        if body:
            self.forward(body, headers)
        else:
            self.reply(200, headers=headers)

    def forward(self, body, extra_headers=()):
        if body:
            with LOCK:
                STATS["requests"] += 1
        if self.server.autodiscover and "/autodiscover/" in self.path.lower():
            answer = ntlm_test_server.autodiscover_answer(self.path, self.server.autodiscover)
            self.reply(200, answer, [("Content-Type", "text/xml")] + list(extra_headers))
            return
        request = urllib.request.Request(self.server.upstream, data=body, method="POST")
        for name in FORWARDED_HEADERS:
            if self.headers.get(name):
                request.add_header(name, self.headers.get(name))
        request.add_header("Authorization", "Basic " + self.server.upstream_basic)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, headers, payload = answer.status, answer.headers, answer.read()
        except urllib.error.HTTPError as err:
            status, headers, payload = err.code, err.headers, err.read()
        passed = [(name, value) for name, value in headers.items() if name in ("Content-Type", "Retry-After")]
        self.reply(status, payload, passed + list(extra_headers))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream")
    parser.add_argument("--upstream-basic", default="")
    parser.add_argument("--autodiscover", metavar="EWS_URL")
    parser.add_argument("--wrong-bindings", action="store_true")
    parser.add_argument("--no-mutual", action="store_true")
    parser.add_argument("--lifetime", type=float, default=300.0)
    args = parser.parse_args()

    server = Server(("127.0.0.1", 0), Handler)
    server.upstream = args.upstream
    server.upstream_basic = base64.b64encode(args.upstream_basic.encode()).decode()
    server.no_mutual = args.no_mutual
    server.autodiscover = args.autodiscover
    cert_dir = tempfile.TemporaryDirectory()
    paths, bindings = ntlm_test_server.make_certificate(cert_dir.name)
    data = bindings.application_data
    if args.wrong_bindings:
        data = b"tls-server-end-point:" + hashlib.sha384(b"another certificate").digest()
    server.bindings = ChannelBindings(application_data=data)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(paths["leaf.pem"], paths["key.pem"])
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print("PORT %d" % server.server_address[1], flush=True)
    print("CERT %s" % paths["ca.der"], flush=True)

    threading.Thread(target=server.serve_forever, daemon=True).start()
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
