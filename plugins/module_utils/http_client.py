# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP layer of breakwater.ztp: retries, TLS, errors and secrets, handled once.

When to retry is the policy of http_retry.py; the error raised is api_error.ApiError.

Every module, inventory plugin and role of the collection talks HTTP through
:class:`HttpClient`; no other file imports requests.
"""

from __future__ import annotations

import copy
import json as jsonlib
import os
import threading
import traceback
from urllib.parse import quote

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised only without requests
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.http_retry import (
    IDEMPOTENT_METHODS, READ_METHODS, RETRYABLE_STATUSES, backoff_delay, parse_retry_after, post_with_read_back,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import sleep as polling_sleep
from ansible_collections.breakwater.ztp.plugins.module_utils.version import COLLECTION_VERSION

USER_AGENT = "breakwater.ztp/%s" % COLLECTION_VERSION
REDACTED = "********"
MAX_REAUTHENTICATIONS = 5


class Response(object):
    """What callers get back: status, headers and the body, parsed lazily."""

    def __init__(self, status, headers, content):
        self.status = status
        self.headers = headers
        self.content = content

    @property
    def text(self):
        return self.content.decode("utf-8", errors="replace")

    def json(self):
        """The JSON body, or None for an empty one (FortiZTP answers some writes with no body)."""
        if not self.content or not self.content.strip():
            return None
        try:
            return jsonlib.loads(self.content)
        except ValueError:
            return None


def _never_sent(exc):
    """True when the request provably never reached the server, so even a POST may be retried."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = repr(exc)
        return "NewConnectionError" in text or "Connection refused" in text
    return False


def path_segment(value):
    """``value`` as one URL path segment: every reserved character percent-encoded, ``/`` too.

    An id such as ``manifest_123?x=1``, ``manifest_123#frag`` or ``../status`` then names
    one (unknown) resource instead of adding a query, cutting the URL or reaching another route.
    """
    segment = quote(str(value), safe="")
    if segment in (".", ".."):  # dot segments are normalised away by clients and servers
        segment = segment.replace(".", "%2E")
    return segment


def api_path(template, *ids):
    """``template`` (``"/manifests/%s"``) filled with ``ids``, each encoded by :func:`path_segment`."""
    return template % tuple(path_segment(i) for i in ids)


def default_error_parser(body, response):
    """(code, message, details) of an error answer, for APIs without a known envelope."""
    return "HTTP_%s" % response.status, response.text[:500] or "no body", {}


class HttpClient(object):
    """A requests Session with the collection's rules for retries, TLS, errors and secrets.

    ``auth`` is optional: an object with ``headers()`` returning the auth headers, and
    ``handle_unauthorized(headers_used)`` returning True when a new credential is worth one
    more try after a 401; and, if it bounds its new credentials, ``authorized()``, told when a
    request got through after a 401.
    """

    def __init__(self, base_url, timeout=30, retries=3, validate_certs=True, ca_path=None,
                 auth=None, error_parser=None, secrets=(), sleep=polling_sleep):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library requests is required")
        self.base_url = base_url.rstrip("/")
        self.timeout = (min(10.0, float(timeout)), float(timeout))
        self.retries = max(0, int(retries))
        self.auth = auth
        self.error_parser = error_parser or default_error_parser
        self.secrets = [s for s in secrets if s]
        self.sleep = sleep
        self.calls = 0
        # Requests that may change the server's state (sent, whatever the answer): a caller keeping an answer
        # it read (SiteShare.known_manifest) knows it is still the server's as long as this has not moved.
        self.writes = 0
        self.calls_lock = threading.Lock()  # download workers count their calls concurrently
        # validate_certs=false wins over ca_path. Passed with every request too: requests lets
        # REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override a Session's verify, which would silently
        # ignore both validate_certs=false and ca_path on many machines.
        self.verify = ca_path if (ca_path and validate_certs) else bool(validate_certs)
        if self.verify is True:
            # What requests does with verify=True, read here once (see _new_session).
            self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.proxies = environment_proxies(self.base_url)
        self.session = self._new_session()
        self.sent_secrets = []  # credentials actually sent, masked even once auth has replaced them

    def _new_session(self):
        session = requests.Session()
        # The environment (proxies, no_proxy, the CA bundle) is read once, in __init__: with trust_env,
        # requests reads all of it again on every call, a scan of os.environ that cost more CPU than the
        # call itself in a worker with a large environment. No ~/.netrc either: the options give the credentials.
        session.trust_env = False
        session.proxies.update(self.proxies)
        session.verify = self.verify
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
        return session

    def for_thread(self):
        """A twin for one worker thread: same settings and auth, its own requests Session.

        requests does not promise that a Session is safe to share between threads. The twin
        counts its own calls; ``add_calls`` adds them to this client once the thread is done.
        """
        twin = copy.copy(self)
        twin.session = self._new_session()
        twin.calls = twin.writes = 0
        return twin

    def add_calls(self, twin):
        with self.calls_lock:
            self.calls += twin.calls
            self.writes += twin.writes
        twin.session.close()

    def known_secrets(self):
        found = self.secrets + self.sent_secrets
        if self.auth is not None and hasattr(self.auth, "secrets"):
            found = found + list(self.auth.secrets())
        # Longest first, so a secret containing another is masked whole.
        return sorted(set(s for s in found if s), key=len, reverse=True)

    def redact(self, text):
        """Text with every known secret masked; applied to anything that leaves this layer."""
        if text is None:
            return text
        text = str(text)
        for secret in self.known_secrets():
            text = text.replace(secret, REDACTED)
        return text

    def redact_data(self, data):
        """``redact`` through nested dicts and lists (error details echoed by a server)."""
        if isinstance(data, dict):
            return dict((self.redact(k) if isinstance(k, str) else k, self.redact_data(v)) for k, v in data.items())
        if isinstance(data, (list, tuple)):
            return [self.redact_data(v) for v in data]
        if isinstance(data, str):
            return self.redact(data)
        return data

    def _remember_sent(self, headers):
        value = headers.get("Authorization") or ""
        credential = value.split(" ", 1)[-1].strip()
        if credential and credential not in self.sent_secrets:
            self.sent_secrets.append(credential)

    def request(self, method, path, params=None, json=None, data=None, files=None, headers=None,
                resource=None, idempotent=None):
        """Send one logical request; returns a Response for 2xx, raises ApiError otherwise."""
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        url = self.base_url + path
        reauthentications = 0
        attempt = 0
        while True:
            call_headers = dict(headers or {})
            if self.auth is not None:
                call_headers.update(self.auth.headers())
            self._remember_sent(call_headers)
            with self.calls_lock:
                self.calls += 1
                self.writes += 0 if method in READ_METHODS else 1
            try:
                raw = self.session.request(method, url, params=params, json=json, data=data, files=files,
                                           headers=call_headers, timeout=self.timeout, verify=self.verify)
            except requests.exceptions.RequestException as exc:
                # An untrusted certificate stays untrusted: retrying only delays the error.
                retryable = (idempotent or _never_sent(exc)) and not isinstance(exc, requests.exceptions.SSLError)
                if retryable and attempt < self.retries:
                    self.sleep(backoff_delay(attempt))
                    attempt += 1
                    continue
                code = "TIMEOUT" if isinstance(exc, requests.exceptions.Timeout) else "CONNECTION_ERROR"
                if isinstance(exc, requests.exceptions.SSLError):
                    code = "TLS_ERROR"
                raise ApiError(None, code, self.redact(exc), method=method, path=path, resource=resource)

            response = Response(raw.status_code, raw.headers, raw.content)
            if 200 <= response.status < 300:
                if reauthentications and hasattr(self.auth, "authorized"):
                    self.auth.authorized()
                return response
            if response.status == 401 and self.auth is not None:
                # A 401 means "not processed": another try with a fresh credential is safe. The auth
                # bounds its own log-ins; MAX_REAUTHENTICATIONS bounds tokens taken from other forks.
                if reauthentications < MAX_REAUTHENTICATIONS and self.auth.handle_unauthorized(call_headers):
                    reauthentications += 1
                    continue
                error = self._error(method, path, response, resource)
                explain = getattr(self.auth, "explain_unauthorized", None)
                raise explain(error) if explain else error
            # 429 means "not processed", so even a POST may be repeated; 5xx may have been.
            may_retry = response.status == 429 or (idempotent and response.status in RETRYABLE_STATUSES)
            if may_retry and attempt < self.retries:
                delay = parse_retry_after(response.headers.get("Retry-After"))
                self.sleep(backoff_delay(attempt) if delay is None else delay)
                attempt += 1
                continue
            raise self._error(method, path, response, resource)

    def _error(self, method, path, response, resource):
        # Mask secrets in the whole body before any parser cuts an excerpt that could split one.
        response = Response(response.status, response.headers, self.redact(response.text).encode("utf-8"))
        body = self.redact_data(response.json())  # again after parsing: JSON may escape a secret
        try:
            code, message, details = self.error_parser(body, response)
        except Exception:  # a malformed error body must still reach the user as an ApiError
            code, message, details = default_error_parser(body, response)
        details = details if isinstance(details, dict) else {"details": details}
        return ApiError(response.status, self.redact(code), self.redact(message), self.redact_data(details),
                        method, path, resource)

    def post_with_read_back(self, items, send, still_to_do):
        """:func:`http_retry.post_with_read_back` with this client's retries and sleep."""
        return post_with_read_back(items, send, still_to_do, self.retries, self.sleep)

    def create(self, path, body, find, resource=None):
        """POST ``body`` creating one object, under :meth:`post_with_read_back`'s rule.

        ``find()`` reads the object back (None while it does not exist); callers create only
        after a look-up found none, so an object found after a failure is the one this POST
        created: it is returned as the answer and the POST is not sent again.
        """
        recovered = []

        def still_to_do(items):
            found = find()
            if found is None:
                return items
            recovered.append(found)
            return []

        _done, answer = self.post_with_read_back(
            [body], lambda _items: self.request("POST", path, json=body, resource=resource).json(), still_to_do)
        return recovered[-1] if recovered else answer

    def get(self, path, params=None, resource=None):
        return self.request("GET", path, params=params, resource=resource).json()

    def paginate(self, path, key, params=None, page_size=None, resource=None):
        """Every item of a list endpoint, following ``total`` with limit/offset when the server pages.

        Without ``page_size`` the first call sends no limit, for endpoints that document none
        and answer every match at once; it pages only if the answer says there are more.
        """
        params = dict(params or {})
        items = []
        while True:
            page_params = dict(params)
            if page_size:
                page_params["limit"] = page_size
            if items:
                page_params["offset"] = len(items)
                page_params.setdefault("limit", page_size or len(items))
            body = self.get(path, params=page_params, resource=resource) or {}
            page = list_items(body, key)
            items.extend(page)
            total = body.get("total") if isinstance(body, dict) else None
            if not page or not isinstance(total, int) or len(items) >= total:
                return items


def environment_proxies(base_url):
    """The proxies the environment sets for ``base_url`` (``HTTPS_PROXY``, ``NO_PROXY``, ...), as requests reads them."""
    return requests.utils.get_environ_proxies(base_url) if HAS_REQUESTS else {}


def list_items(body, *keys):
    """The list in a list answer: under the first of ``keys`` present, or the body if it is a list."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        for key in keys:
            if isinstance(body.get(key), list):
                return body[key]
    return []


# The transport options of every module and plugin, whatever the API; documented in
# doc_fragments/transport.py.
TRANSPORT_ARGUMENT_SPEC = dict(
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    timeout=dict(type="int", default=30),
    retries=dict(type="int", default=3),
)


def http_options(params):
    """The HttpClient keyword arguments from a module's or plugin's connection options."""
    return {
        "timeout": params.get("timeout") or 30,
        "retries": 3 if params.get("retries") is None else params["retries"],
        "validate_certs": params.get("validate_certs", True),
        "ca_path": params.get("ca_path"),
    }


def fail_on_missing_requests(module):
    if not HAS_REQUESTS:
        from ansible.module_utils.basic import missing_required_lib
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
