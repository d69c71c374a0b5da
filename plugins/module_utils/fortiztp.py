# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the FortiZTP Cloud API v2, with FortiCloud OAuth and a token shared across tasks.

FortiCloud IAM keeps one active token per API user: a new login invalidates the previous
token. So every task and fork of a run must share one token. ``TokenCache`` keeps it in a
0600 file under a 0700 directory, keyed by api_id, auth_url and client_id, behind an
exclusive lock, so parallel forks reuse one login, refresh it before it expires, and log in
again only once after a 401. The password itself is never written anywhere.
"""

from __future__ import annotations

import binascii
import contextlib
import copy
import hashlib
import json
import os
import random
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows controllers are not supported by Ansible
    fcntl = None

from ansible.module_utils.basic import env_fallback

from ansible_collections.breakwater.ztp.plugins.module_utils import polling
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import split_list
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import (
    TRANSPORT_ARGUMENT_SPEC, ApiError, HttpClient, api_path, http_options, list_items,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError, check_private_folder

DEFAULT_BASE_URL = "https://fortiztp.forticloud.com/public/api/v2"
DEFAULT_AUTH_URL = "https://customerapiauth.fortinet.com/api/v1"
DEFAULT_CLIENT_ID = "fortiztp"
DEFAULT_TOKEN_CACHE_DIR = "~/.cache/breakwater.ztp/fortiztp"
DEFAULT_EXPIRES_IN = 3660  # FortiCloud IAM's documented lifetime, used when a login omits it
REFRESH_MARGIN = 300  # refresh this many seconds before expiry, as hfortix does
# Log-ins of one task after its token was refused: another client with the same API user (a
# second controller, an AWX job in another container) voids our token with each of its log-ins.
MAX_RELOGINS = 4
RELOGIN_DELAY = 0.5  # seconds; the wait before the n-th new log-in is random in [0, this * 2**n]
BULK_CHUNK_SIZE = 100
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

# The connection options of every FortiZTP module and plugin; documented in doc_fragments/fortiztp.py.
FORTIZTP_ARGUMENT_SPEC = dict(
    api_id=dict(type="str", fallback=(env_fallback, ["FORTIZTP_API_ID"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["FORTIZTP_PASSWORD"])),
    access_token=dict(type="str", no_log=True, fallback=(env_fallback, ["FORTIZTP_ACCESS_TOKEN"])),
    base_url=dict(type="str", default=DEFAULT_BASE_URL, fallback=(env_fallback, ["FORTIZTP_BASE_URL"])),
    auth_url=dict(type="str", default=DEFAULT_AUTH_URL, fallback=(env_fallback, ["FORTIZTP_AUTH_URL"])),
    client_id=dict(type="str", default=DEFAULT_CLIENT_ID),
    token_cache=dict(type="bool", default=True),
    token_cache_dir=dict(type="path", default=DEFAULT_TOKEN_CACHE_DIR,
                         fallback=(env_fallback, ["FORTIZTP_TOKEN_CACHE_DIR"])),
    **TRANSPORT_ARGUMENT_SPEC
)
FORTIZTP_REQUIRED_ONE_OF = [("api_id", "access_token")]
FORTIZTP_REQUIRED_TOGETHER = [("api_id", "password")]


def fortiztp_argument_spec(**module_options):
    spec = dict((k, dict(v)) for k, v in FORTIZTP_ARGUMENT_SPEC.items())
    spec.update(module_options)
    return spec


def fortiztp_module_kwargs(**module_options):
    """AnsibleModule keyword arguments for a FortiZTP module: spec and credential rules."""
    return dict(
        argument_spec=fortiztp_argument_spec(**module_options),
        required_one_of=FORTIZTP_REQUIRED_ONE_OF,
        required_together=FORTIZTP_REQUIRED_TOGETHER,
    )


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


class TokenCache(object):
    """One JSON file per (api_id, auth_url, client_id), 0600, guarded by an flock.

    The folder must be ours and closed to group and others (checked before any call), and
    every file is opened with O_NOFOLLOW: a symlink planted in the folder is refused, never
    followed, so the tokens cannot be written through it to another file.
    """

    def __init__(self, directory, api_id, auth_url, client_id):
        check_private_folder("token_cache_dir", directory)
        self.directory = os.path.expanduser(directory)
        key = hashlib.sha256("\0".join((api_id, auth_url.rstrip("/"), client_id)).encode("utf-8")).hexdigest()[:32]
        self.path = os.path.join(self.directory, key + ".json")

    def _refuse_link(self, path):
        if os.path.islink(path):
            raise InputError("token_cache_dir", self.directory,
                             "holds a symlink %s where the token cache keeps a file; remove it" % os.path.basename(path))

    @contextlib.contextmanager
    def locked(self):
        # exist_ok: parallel forks create the directory at the same moment.
        os.makedirs(self.directory, 0o700, exist_ok=True)
        self._refuse_link(self.path + ".lock")
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | NOFOLLOW, 0o600)
        try:
            if fcntl:
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def read(self):
        self._refuse_link(self.path)
        try:
            fd = os.open(self.path, os.O_RDONLY | NOFOLLOW)
        except (IOError, OSError):
            return None
        try:
            with os.fdopen(fd) as handle:
                entry = json.load(handle)
        except (IOError, OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and entry.get("access_token") else None

    def write(self, entry):
        self._refuse_link(self.path)
        # A fresh random name, created exclusively (never an existing file or link), then renamed
        # over the cache file: readers see the old entry or the new one, never half of one.
        tmp = os.path.join(self.directory, ".%s.%s.tmp" % (os.path.basename(self.path), binascii.hexlify(os.urandom(8)).decode()))
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                json.dump(entry, handle)
            os.rename(tmp, self.path)  # rename replaces a link itself, never its target
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def clear(self):
        with contextlib.suppress(OSError):
            os.remove(self.path)


class _MemoryCache(object):
    """The same interface without a file, for token_cache=false: shared within one task only."""

    def __init__(self):
        self.entry = None

    @contextlib.contextmanager
    def locked(self):
        yield

    def read(self):
        return self.entry

    def write(self, entry):
        self.entry = entry

    def clear(self):
        self.entry = None


class FortiCloudAuth(object):
    """Access tokens for FortiZTP: a given one, or a shared, refreshed password-grant login."""

    def __init__(self, auth_url=DEFAULT_AUTH_URL, client_id=DEFAULT_CLIENT_ID, api_id=None, password=None,
                 access_token=None, cache=None, clock=time.time, sleep=None, **options):
        self.api_id = api_id
        self.password = password
        self.client_id = client_id
        self.given_token = access_token
        self.cache = cache if cache is not None else _MemoryCache()
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


class FortiZTPClient(object):

    def __init__(self, auth, base_url=DEFAULT_BASE_URL, **options):
        self.auth = auth
        self.http = HttpClient(base_url, auth=auth, error_parser=parse_fortiztp_error, **options)

    @classmethod
    def from_params(cls, params):
        options = http_options(params)
        cache = None
        if params.get("token_cache", True) and params.get("api_id"):
            cache = TokenCache(params.get("token_cache_dir") or DEFAULT_TOKEN_CACHE_DIR, params["api_id"],
                               params["auth_url"], params.get("client_id") or DEFAULT_CLIENT_ID)
        auth = FortiCloudAuth(params["auth_url"], params.get("client_id") or DEFAULT_CLIENT_ID,
                              api_id=params.get("api_id"), password=params.get("password"),
                              access_token=params.get("access_token"), cache=cache, **options)
        return cls(auth, params["base_url"], **options)

    @property
    def calls(self):
        """API and OAuth calls made so far, so modules can report what they cost of the hourly budget."""
        return self.http.calls + self.auth.http.calls

    def for_thread(self):
        """A twin for one worker thread (its own HTTP session), sharing the login: log in first
        (``login``), so that the threads do not each log in."""
        twin = copy.copy(self)
        twin.http = self.http.for_thread()
        return twin

    def add_calls(self, twin):
        self.http.add_calls(twin.http)

    def login(self):
        """Get the token now (from the cache, or a login) rather than with the first call."""
        self.auth.token()

    # Devices
    def list_devices(self, provision_status=None, device_type=None, serials=None, use_cache=None):
        params = {}
        if provision_status:
            params["provisionStatus"] = provision_status
        if device_type:
            params["deviceType"] = device_type
        if serials:
            params["deviceSN"] = ",".join(serials)
        if use_cache is not None:
            params["useCache"] = "true" if use_cache else "false"
        return list_items(self.http.get("/devices", params=params), "data", "devices")

    def bulk_update_devices(self, bodies):
        resource = ",".join(b.get("deviceSN", "") for b in bodies)
        return self.http.request("PUT", "/devices", json=list(bodies), resource=resource).json()

    def get_firmware_profiles(self, serial, region):
        body = self.http.get(api_path("/devices/%s/regions/%s/firmwareprofiles", serial, region), resource=serial)
        return list_items(body, "data", "firmwareProfiles", "profiles")

    # Scripts
    def list_scripts(self):
        return list_items(self.http.get("/setting/scripts"), "data", "scripts")

    def create_script(self, name):
        """POST a script; after a 5xx or a lost answer, the script of that name read back is the one
        created (see :meth:`HttpClient.create`)."""
        def find():
            return next((s for s in self.list_scripts() if isinstance(s, dict) and s.get("name") == name), None)

        return self.http.create("/setting/scripts", {"name": name}, find, resource=name)

    def delete_script(self, oid):
        return self.http.request("DELETE", api_path("/setting/scripts/%s", oid), resource=oid).json()

    def get_script_content(self, oid):
        """The script body as text, whether the server answers plain text or JSON."""
        response = self.http.request("GET", api_path("/setting/scripts/%s/content", oid),
                                     headers={"Accept": "text/plain, application/json"}, resource=oid)
        if "json" in response.headers.get("Content-Type", ""):
            body = response.json()
            if isinstance(body, dict):
                return body.get("content", body.get("script", ""))
            return body if isinstance(body, str) else ""
        return response.text

    def put_script_content(self, oid, content, upload_format="text"):
        """Upload a script body as ``text`` (text/plain), ``multipart`` (part ``file``) or ``json``."""
        path = api_path("/setting/scripts/%s/content", oid)
        if upload_format == "multipart":
            files = {"file": ("script.txt", content.encode("utf-8"), "text/plain")}
            return self.http.request("PUT", path, files=files, resource=oid)
        if upload_format == "json":
            return self.http.request("PUT", path, json={"content": content}, resource=oid)
        return self.http.request("PUT", path, data=content.encode("utf-8"),
                                 headers={"Content-Type": "text/plain; charset=utf-8"}, resource=oid)

    # FortiManager settings
    def list_fortimanagers(self):
        return list_items(self.http.get("/setting/fortimanagers"), "data", "fortiManagers")

    def create_fortimanager(self, body):
        """POST a FortiManager setting; after a 5xx or a lost answer, the setting holding the same
        serials read back is the one created (see :meth:`HttpClient.create`)."""
        serials = set(split_list(body.get("sn")))

        def find():
            return next((f for f in self.list_fortimanagers()
                         if isinstance(f, dict) and set(split_list(f.get("sn"))) == serials), None)

        return self.http.create("/setting/fortimanagers", body, find, resource=body.get("sn"))

    def get_fortimanager(self, oid):
        return self.http.get(api_path("/setting/fortimanagers/%s", oid), resource=oid)

    def update_fortimanager(self, oid, body):
        return self.http.request("PUT", api_path("/setting/fortimanagers/%s", oid), json=body, resource=oid).json()

    def delete_fortimanager(self, oid):
        return self.http.request("DELETE", api_path("/setting/fortimanagers/%s", oid), resource=oid).json()

    # System
    def get_system(self):
        return self.http.get("/system")
