# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""FortiCloud OAuth for FortiZTP: a given token, or a password-grant login shared across tasks.

The token lives in a cache (:mod:`token_cache`) so parallel forks reuse one login, refresh it
before it expires, and log in again only once after a 401.
"""

from __future__ import annotations

import random
import time

from ansible_collections.breakwater.ztp.plugins.module_utils import polling
from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import HttpClient
from ansible_collections.breakwater.ztp.plugins.module_utils.token_cache import MemoryCache

DEFAULT_AUTH_URL = "https://customerapiauth.fortinet.com/api/v1"
DEFAULT_CLIENT_ID = "fortiztp"
DEFAULT_EXPIRES_IN = 3660  # FortiCloud IAM's documented lifetime, used when a login omits it
REFRESH_MARGIN = 300  # refresh this many seconds before expiry, as hfortix does
# Log-ins of one task after its token was refused: another client with the same API user (a
# second controller, an AWX job in another container) voids our token with each of its log-ins.
MAX_RELOGINS = 4
RELOGIN_DELAY = 0.5  # seconds; the wait before the n-th new log-in is random in [0, this * 2**n]


def parse_fortiztp_error(body, response):
    """FortiZTP and FortiCloud answer OAuth-style ``{"error", "error_description"}``."""
    if isinstance(body, dict) and body.get("error"):
        error = body["error"]
        if isinstance(error, dict):  # tolerate a nested envelope too
            return error.get("code") or "HTTP_%s" % response.status, error.get("message") or "", error
        message = body.get("error_description") or body.get("message") or ""
        details = dict((k, v) for k, v in body.items() if k not in ("error", "error_description"))
        return str(error), message, details
    return "HTTP_%s" % response.status, response.text[:500] or "no body", {}


class FortiCloudAuth(object):
    """Access tokens for FortiZTP: a given one, or a shared, refreshed password-grant login."""

    def __init__(self, auth_url=DEFAULT_AUTH_URL, client_id=DEFAULT_CLIENT_ID, api_id=None, password=None,
                 access_token=None, cache=None, clock=time.time, sleep=None, **options):
        self.api_id = api_id
        self.password = password
        self.client_id = client_id
        self.given_token = access_token
        self.cache = cache if cache is not None else MemoryCache()
        self.clock = clock
        self.sleep = sleep or polling.sleep  # the one real sleep of the collection
        self.relogins = 0
        self.logins = 0
        self.http = HttpClient(auth_url, error_parser=parse_fortiztp_error,
                               secrets=[password, access_token], sleep=self.sleep, **options)

    def secrets(self):
        entry = self.cache.read() if not self.given_token else None
        found = [self.password, self.given_token]
        if entry:
            found += [entry.get("access_token"), entry.get("refresh_token")]
        return [s for s in found if s]

    def headers(self):
        return {"Authorization": "Bearer %s" % self.token()}

    def token(self, min_valid=REFRESH_MARGIN):
        """The shared token, renewed first when it expires within ``min_valid`` seconds."""
        if self.given_token:
            return self.given_token
        with self.cache.locked():
            entry = self.cache.read()
            if entry and entry.get("expires_at", 0) - max(min_valid, REFRESH_MARGIN) > self.clock():
                return entry["access_token"]
            entry = self._renew(entry)
            return entry["access_token"]

    def handle_unauthorized(self, headers_used):
        """After a 401: use a token another fork got meanwhile, or log in again (bounded, with jitter)."""
        if self.given_token:
            return False
        used = headers_used.get("Authorization", "")[len("Bearer "):]
        if self._taken_by_a_fork(used):
            return True
        if self.relogins >= MAX_RELOGINS:
            return False
        # Random waits, growing: two controllers that void each other's token stop doing it in step.
        self.sleep(random.uniform(0, RELOGIN_DELAY * 2 ** self.relogins))
        self.relogins += 1
        with self.cache.locked():
            entry = self.cache.read()
            if not (entry and entry.get("access_token") != used):
                self._login()
        return True

    def authorized(self):
        """A request went through after a 401: the bound on log-ins is on those voided one after the other,
        not on a whole task's (a site's rollout makes all its FortiZTP calls through one login)."""
        self.relogins = 0

    def _taken_by_a_fork(self, used):
        with self.cache.locked():
            entry = self.cache.read()
            return bool(entry and entry.get("access_token") != used)

    def explain_unauthorized(self, error):
        """The 401 that ends a task, saying why when our own new tokens kept being voided."""
        if self.given_token or self.relogins < MAX_RELOGINS:
            return error
        error.message = (
            "%s; this task logged in again %d times and each new token was voided again: another client "
            "(another controller or job) is logging in with the same API user %s, and FortiCloud keeps only one "
            "token per API user. Give each controller its own API user, or do not run them at the same time"
            % (error.message or error.code, self.relogins, self.api_id))
        error.details = dict(error.details, relogins=self.relogins)
        return error

    def _renew(self, entry):
        if entry and entry.get("refresh_token"):
            self._mask(entry.get("access_token"), entry["refresh_token"])  # perhaps another fork's tokens
            try:
                return self._store(self._oauth({
                    "client_id": self.client_id,
                    "grant_type": "refresh_token",
                    "refresh_token": entry["refresh_token"],
                }), entry)
            except ApiError as exc:
                if exc.status not in (400, 401):
                    raise
        return self._login()

    def _login(self):
        if not (self.api_id and self.password):
            raise ApiError(None, "MISSING_CREDENTIALS", "api_id and password are needed to log in to FortiCloud",
                           method="POST", path="/oauth/token/")
        self.logins += 1
        return self._store(self._oauth({
            "username": self.api_id,
            "password": self.password,
            "client_id": self.client_id,
            "grant_type": "password",
        }), None)

    def _oauth(self, body):
        # Safe to repeat after a 5xx or a dropped connection: a second login only voids the token of
        # the first, which we never got; a refresh token already used fails and falls back to login.
        return self.http.request("POST", "/oauth/token/", json=body, resource=self.api_id,
                                 idempotent=True).json() or {}

    def _mask(self, *secrets):
        """Teach the OAuth client a token it sends in a body, so an error echoing it is redacted."""
        for secret in secrets:
            if secret and secret not in self.http.secrets:
                self.http.secrets.append(secret)

    def _store(self, answer, previous):
        if not answer.get("access_token"):
            raise ApiError(200, "INVALID_TOKEN_RESPONSE", "FortiCloud answered without an access_token",
                           method="POST", path="/oauth/token/", resource=self.api_id)
        self._mask(answer["access_token"], answer.get("refresh_token"))
        entry = {
            "access_token": answer["access_token"],
            # FortiCloud may omit a new refresh token on refresh: keep the previous one.
            "refresh_token": answer.get("refresh_token") or (previous or {}).get("refresh_token"),
            "expires_at": self.clock() + int(answer.get("expires_in") or DEFAULT_EXPIRES_IN),
        }
        self.cache.write(entry)
        return entry

    def cached_entry(self):
        with self.cache.locked():
            return self.cache.read()

    def revoke(self):
        """Revoke the shared token and forget it; returns False when there was none."""
        with self.cache.locked():
            entry = self.cache.read()
            token = self.given_token or (entry or {}).get("access_token")
            if not token:
                return False
            self._mask(token, (entry or {}).get("refresh_token"))
            self.http.request("POST", "/oauth/revoke_token/", json={"client_id": self.client_id, "token": token},
                              resource=self.api_id)
            self.cache.clear()
            return True
