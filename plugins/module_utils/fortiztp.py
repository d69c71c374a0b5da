# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the FortiZTP Cloud API v2, and the connection options of every FortiZTP module.

Its access tokens come from :class:`FortiCloudAuth` (forticloud_auth.py), shared across tasks
through a :class:`TokenCache` (token_cache.py).
"""

from __future__ import annotations

import copy

from ansible.module_utils.basic import env_fallback

from ansible_collections.breakwater.ztp.plugins.module_utils.forticloud_auth import (
    DEFAULT_AUTH_URL, DEFAULT_CLIENT_ID, FortiCloudAuth, parse_fortiztp_error,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import split_list
from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import (
    TRANSPORT_ARGUMENT_SPEC, HttpClient, api_path, http_options, list_items,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.token_cache import DEFAULT_TOKEN_CACHE_DIR, TokenCache

DEFAULT_BASE_URL = "https://fortiztp.forticloud.com/public/api/v2"
BULK_CHUNK_SIZE = 100

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
