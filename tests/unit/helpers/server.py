# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real HTTP server for unit tests of the HTTP layer: canned answers per path, every request recorded.

``ScriptedServer`` runs a ThreadingHTTPServer on 127.0.0.1 (port 0) in a thread, optionally
wrapped in TLS. Each path has a queue of answers (``Reply`` objects, or callables that build
one from the recorded request); when a path's queue is empty its default answer is used (a
200 with ``{}`` unless set). ``FakeFortiCloud`` adds a stateful FortiCloud OAuth server on top
(one active token per user, like FortiCloud IAM) for the token cache tests.
"""

from __future__ import annotations

import collections
import datetime
import ipaddress
import json
import os
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Reply(object):
    """One canned answer. ``drop=True`` reads the request, then closes the socket without answering."""

    def __init__(self, status=200, body=None, headers=None, drop=False, delay=0.0):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.drop = drop
        self.delay = delay

    def encoded(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


def drop():
    return Reply(drop=True)


class Recorded(object):
    """A request as the server saw it."""

    def __init__(self, method, target, headers, body):
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path
        self.query = dict((k, v[-1]) for k, v in parse_qs(parts.query, keep_blank_values=True).items())
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None

    @property
    def bearer(self):
        value = self.headers.get("Authorization", "")
        return value[len("Bearer "):] if value.startswith("Bearer ") else None

    def __repr__(self):
        return "<%s %s %s>" % (self.method, self.path, self.query)


class _Handler(BaseHTTPRequestHandler):
    server_version = "ScriptedServer/1"

    def log_message(self, *args):  # keep the test output clean
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Recorded(self.command, self.path, dict(self.headers.items()), body)
        scripted = self.server.scripted
        reply = scripted.next_reply(request)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        payload = reply.encoded()
        self.send_response(reply.status)
        headers = dict(reply.headers)
        if payload and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json" if not isinstance(reply.body, (str, bytes)) else "text/plain"
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, scripted, ssl_context):
        self.scripted = scripted
        self.ssl_context = ssl_context
        ThreadingHTTPServer.__init__(self, address, _Handler)

    def get_request(self):
        sock, address = ThreadingHTTPServer.get_request(self)
        if self.ssl_context is not None:
            # The handshake runs in the handler thread, so a refused one does not stop the server.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def finish_request(self, request, client_address):
        if self.ssl_context is not None:
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.scripted.tls_failures.append(exc)
                return
        ThreadingHTTPServer.finish_request(self, request, client_address)

    def handle_error(self, request, client_address):
        pass  # a client that went away is part of some tests


class ScriptedServer(object):
    """``with ScriptedServer() as server: server.script("/path", Reply(503), Reply(200, {...}))``."""

    def __init__(self, ssl_context=None, port=0):
        self.queues = collections.defaultdict(collections.deque)
        self.defaults = {}
        self.requests = []
        self.tls_failures = []
        self.lock = threading.Lock()
        self.httpd = _Server(("127.0.0.1", port), self, ssl_context)
        self.port = self.httpd.server_address[1]
        scheme = "https" if ssl_context is not None else "http"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True
        self.thread.start()

    def script(self, path, *replies):
        """Queue answers for ``path`` (first in, first out); each is a Reply or a callable(request)."""
        with self.lock:
            self.queues[path].extend(replies)

    def default(self, path, reply):
        """The answer for ``path`` once its queue is empty: a Reply or a callable(request)."""
        self.defaults[path] = reply

    def next_reply(self, request):
        with self.lock:
            self.requests.append(request)
            queue = self.queues.get(request.path)
            reply = queue.popleft() if queue else self.defaults.get(request.path, Reply(200, {}))
        return reply(request) if callable(reply) else reply

    def requests_to(self, path, method=None):
        return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def free_port():
    """A port nothing listens on (connections to it are refused) until someone binds it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def self_signed_certificate(directory):
    """(cert_path, key_path) of a fresh self-signed certificate for 127.0.0.1 and localhost."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, u"breakwater.ztp unit test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(u"localhost"), x509.IPAddress(ipaddress.ip_address(u"127.0.0.1")),
        ]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = os.path.join(directory, "cert.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


def tls_context(cert_path, key_path):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


class FakeForti(object):
    """FortiCloud OAuth plus a FortiZTP ``/system`` endpoint on a ScriptedServer.

    Like FortiCloud IAM, one token is active per user: a password login or a refresh replaces
    it, and the API answers 401 to any other. ``login_delay`` widens the race window of
    parallel logins. Canned answers queued with ``server.script`` still come first.
    """

    TOKEN_PATH = "/oauth/token/"
    REVOKE_PATH = "/oauth/revoke_token/"
    API_PATH = "/system"

    def __init__(self, server, api_id="api-user", password="s3cret-Passw0rd!", expires_in=3600, login_delay=0.0):
        self.server = server
        self.api_id = api_id
        self.password = password
        self.expires_in = expires_in
        self.login_delay = login_delay
        self.issued = 0
        self.active = None
        self.refresh_token = None
        self.lock = threading.Lock()
        server.default(self.TOKEN_PATH, self._token)
        server.default(self.REVOKE_PATH, self._revoke)
        server.default(self.API_PATH, self._api)

    @property
    def logins(self):
        return [r for r in self.server.requests_to(self.TOKEN_PATH) if (r.json() or {}).get("grant_type") == "password"]

    @property
    def refreshes(self):
        return [r for r in self.server.requests_to(self.TOKEN_PATH) if (r.json() or {}).get("grant_type") == "refresh_token"]

    def _issue(self):
        self.issued += 1
        self.active = "access-%d-Tk9zQ" % self.issued
        self.refresh_token = "refresh-%d-Rf7xW" % self.issued
        return Reply(200, {"access_token": self.active, "refresh_token": self.refresh_token,
                           "expires_in": self.expires_in, "token_type": "Bearer", "scope": "read write"})

    def _token(self, request):
        body = request.json() or {}
        if body.get("grant_type") == "password":
            if self.login_delay:
                time.sleep(self.login_delay)
            with self.lock:
                if body.get("username") != self.api_id or body.get("password") != self.password:
                    return Reply(401, {"error": "invalid_grant", "error_description": "Invalid credentials given."})
                return self._issue()
        if body.get("grant_type") == "refresh_token":
            with self.lock:
                if body.get("refresh_token") != self.refresh_token:
                    return Reply(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"})
                return self._issue()
        return Reply(400, {"error": "unsupported_grant_type", "error_description": "grant_type"})

    def _revoke(self, request):
        with self.lock:
            if (request.json() or {}).get("token") == self.active:
                self.active = None
        return Reply(200, {})

    def _api(self, request):
        if request.bearer is None or request.bearer != self.active:
            return Reply(401, {"error": "invalid_token", "error_description": "Access token is invalid or expired"})
        return Reply(200, {"status": "ok", "token_owner": self.api_id})


def fortiztp_worker(auth_url, cache_dir, api_id, password, barrier, results):
    """One 'fork' of an Ansible run: its own FortiCloudAuth on the shared cache dir (multiprocessing target)."""
    from ansible_collections.breakwater.ztp.plugins.module_utils.forticloud_auth import FortiCloudAuth
    from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
    from ansible_collections.breakwater.ztp.plugins.module_utils.token_cache import TokenCache
    auth = FortiCloudAuth(auth_url, "fortiztp", api_id=api_id, password=password,
                          cache=TokenCache(cache_dir, api_id, auth_url, "fortiztp"), timeout=10, retries=0)
    client = FortiZTPClient(auth, auth_url, timeout=10, retries=0)
    barrier.wait(30)
    try:
        client.get_system()
        results.put((os.getpid(), "ok", auth.logins))
    except Exception as exc:  # reported to the parent, which fails the test with it
        results.put((os.getpid(), "error: %s" % exc, auth.logins))
