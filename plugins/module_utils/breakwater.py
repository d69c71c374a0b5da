# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the Breakwater ZTP API: one method per documented endpoint."""

from __future__ import annotations

import copy

from ansible.module_utils.basic import env_fallback

from ansible_collections.breakwater.ztp.plugins.module_utils.http_client import (
    TRANSPORT_ARGUMENT_SPEC, HttpClient, api_path, http_options,
)

API_PATH = "/api/v1/ztp"
MANIFEST_PAGE_SIZE = 500  # the server's maximum; fewer calls for sites with many manifests

# The connection options of every Breakwater module; documented in doc_fragments/breakwater.py.
BREAKWATER_ARGUMENT_SPEC = dict(
    url=dict(type="str", required=True, fallback=(env_fallback, ["BREAKWATER_URL"])),
    api_token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["BREAKWATER_API_TOKEN"])),
    **TRANSPORT_ARGUMENT_SPEC
)


def breakwater_argument_spec(**module_options):
    """The connection options plus the module's own."""
    spec = dict((k, dict(v)) for k, v in BREAKWATER_ARGUMENT_SPEC.items())
    spec.update(module_options)
    return spec


def parse_breakwater_error(body, response):
    """The documented envelope ``{"error": {"code", "message", "details"}}``."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return (error.get("code") or "HTTP_%s" % response.status,
                error.get("message") or "", error.get("details") or {})
    return "HTTP_%s" % response.status, response.text[:500] or "no body", {}


class BreakwaterClient(object):

    def __init__(self, url, api_token, **options):
        self.http = HttpClient(
            url.rstrip("/") + API_PATH,
            auth=_BearerToken(api_token),
            error_parser=parse_breakwater_error,
            **options
        )

    @classmethod
    def from_params(cls, params):
        return cls(params["url"], params["api_token"], **http_options(params))

    @property
    def calls(self):
        return self.http.calls

    @property
    def writes(self):
        return self.http.writes

    def for_thread(self):
        """A twin for one worker thread: same settings, its own requests Session.

        requests does not promise that a Session is safe to share between threads. The twin
        counts its own calls; ``add_calls`` adds them to this client once the thread is done.
        """
        twin = copy.copy(self)
        twin.http = self.http.for_thread()
        return twin

    def add_calls(self, twin):
        self.http.add_calls(twin.http)

    # Manifests
    def list_manifests(self, site_id=None, status=None):
        return self.http.paginate("/manifests", "manifests", _query(site_id=site_id, status=status),
                                  page_size=MANIFEST_PAGE_SIZE)

    def create_manifest(self, body):
        """POST /manifests; after a 5xx or a lost answer, the manifest of that name in the site is read
        back and taken as the one created (see :meth:`HttpClient.create`)."""
        def find():
            return next((m for m in self.list_manifests(site_id=body.get("site_id")) if m.get("name") == body.get("name")),
                        None)

        return self.http.create("/manifests", body, find, resource=body.get("name"))

    def get_manifest(self, manifest_id):
        return self.http.get(api_path("/manifests/%s", manifest_id), resource=manifest_id)

    def update_manifest(self, manifest_id, body):
        return self.http.request("PUT", api_path("/manifests/%s", manifest_id), json=body, resource=manifest_id).json()

    def delete_manifest(self, manifest_id):
        return self.http.request("DELETE", api_path("/manifests/%s", manifest_id), resource=manifest_id).json()

    def get_cable_schedule(self, manifest_id):
        """The cable schedule PDF, as bytes."""
        path = api_path("/manifests/%s/cable-schedule.pdf", manifest_id)
        return self.http.request("GET", path, headers={"Accept": "application/pdf"}, resource=manifest_id).content

    # Devices and serials
    def list_devices(self, manifest_id=None, status=None, device_type=None, search=None):
        query = _query(manifest_id=manifest_id, status=status, device_type=device_type, search=search)
        return self.http.paginate("/devices", "devices", query, resource=manifest_id)

    def register_serial(self, device_id, serial_number, verification_method=None, operator_id=None):
        body = _query(serial_number=serial_number, verification_method=verification_method, operator_id=operator_id)
        return self.http.request("POST", api_path("/devices/%s/serial", device_id), json=body, resource=device_id).json()

    def bulk_register_serials(self, manifest_id, serials, verification_method=None, operator_id=None):
        """POST /devices/bulk-serial; after a 5xx or a dropped connection, only what did not take effect.

        The POST is never repeated blindly: the manifest's devices are read back first, the
        items whose device already holds that serial count as done, and only the others are
        sent again (see :meth:`HttpClient.post_with_read_back`).
        """
        def send(items):
            body = _query(manifest_id=manifest_id, serials=items, verification_method=verification_method,
                          operator_id=operator_id)
            return self.http.request("POST", "/devices/bulk-serial", json=body, resource=manifest_id).json() or {}

        def still_to_do(items):
            held = dict((d.get("id"), d.get("serial_number")) for d in self.list_devices(manifest_id=manifest_id))
            return [i for i in items if held.get(i.get("device_id")) != i.get("serial_number")]

        done, answer = self.http.post_with_read_back(list(serials), send, still_to_do)
        results = [{"device_id": i.get("device_id"), "status": "success", "serial_number": i.get("serial_number"),
                    "recovered": True} for i in done] + list(answer.get("results") or [])
        ok = sum(1 for r in results if r.get("status") == "success")
        return dict(answer, processed=len(results), successful=ok, failed=len(results) - ok, results=results)

    # Configs
    def generate_configs(self, manifest_id, device_ids=None, force_regenerate=False):
        """POST generate-configs; after a 5xx or a dropped connection, only what did not take effect.

        Without force the server itself skips devices whose config is current or being made, so a
        repeat is harmless. With force a repeat would regenerate twice: the events are read back
        and the devices that got a config_generated or config_failed event since the first try,
        or that the answer reports in progress, are not sent again.
        """
        path = api_path("/manifests/%s/generate-configs", manifest_id)
        mark = self._event_mark(manifest_id) if force_regenerate else None

        def send(ids):
            body = {"force_regenerate": bool(force_regenerate)}
            if ids is not None:
                body["device_ids"] = list(ids)
            return self.http.request("POST", path, json=body, resource=manifest_id).json() or {}

        def still_to_do(ids):
            if ids is None:
                ids = [d.get("id") for d in self.list_devices(manifest_id=manifest_id)]
            if not force_regenerate:
                return ids
            settled = set(e.get("device_id") for e in self.list_events(manifest_id=manifest_id)
                          if e.get("id") not in mark and e.get("event_type") in ("config_generated", "config_failed"))
            return [i for i in ids if i not in settled]

        done, answer = self.http.post_with_read_back(None if device_ids is None else list(device_ids), send,
                                                     still_to_do)
        if done:
            answer = dict(answer, recovered=list(done))
        return answer

    def _event_mark(self, manifest_id):
        return set(e.get("id") for e in self.list_events(manifest_id=manifest_id))

    def get_device_config(self, device_id, format="text"):
        return self.http.get(api_path("/devices/%s/config", device_id), params={"format": format}, resource=device_id)

    # Templates, status, events
    def list_templates(self, device_type=None, category=None):
        return self.http.paginate("/templates", "templates", _query(device_type=device_type, category=category))

    def get_status(self):
        return self.http.get("/status")

    def list_events(self, manifest_id=None, device_id=None, event_type=None, start_date=None, end_date=None):
        query = _query(manifest_id=manifest_id, device_id=device_id, event_type=event_type,
                       start_date=start_date, end_date=end_date)
        return self.http.paginate("/events", "events", query, resource=manifest_id or device_id)


class _BearerToken(object):
    def __init__(self, token):
        self.token = token

    def headers(self):
        return {"Authorization": "Bearer %s" % self.token}

    def handle_unauthorized(self, headers_used):
        return False  # a static token cannot be renewed

    def secrets(self):
        return [self.token]


def _query(**params):
    """The parameters that were given (None means: not sent)."""
    return dict((k, v) for k, v in params.items() if v is not None)
