# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manifest look-ups and waits shared by the Breakwater modules."""

from __future__ import annotations

import time

from ansible_collections.breakwater.ztp.plugins.module_utils.http import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError

SETTLED_DEVICE_STATUSES = frozenset(("online", "failed", "config_failed"))


def find_manifest(client, manifest_id=None, site_id=None, name=None):
    """The manifest with its devices, or None when it is known not to exist.

    Only a 404 MANIFEST_NOT_FOUND means absent; any other failure is raised, never read as absent.
    """
    if not manifest_id:
        matches = [m for m in client.list_manifests(site_id=site_id) if m.get("name") == name]
        if len(matches) > 1:
            raise InputError("name", name, "matches %d manifests%s: %s; give id instead" % (
                len(matches), " in site %s" % site_id if site_id else "", ", ".join(m["id"] for m in matches)))
        if not matches:
            return None
        manifest_id = matches[0]["id"]
    try:
        return client.get_manifest(manifest_id)
    except ApiError as exc:
        if exc.status == 404 and exc.code == "MANIFEST_NOT_FOUND":
            return None
        raise


def wait_for_deployment(client, manifest_id, timeout, interval, clock=time.monotonic, sleep=time.sleep):
    """Poll until the deployment ends; returns (manifest, failed devices).

    The manifest becomes ``deployed`` when every device is online, or goes back to ``ready``
    when every device has settled and some failed.
    """
    deadline = clock() + timeout
    while True:
        manifest = client.get_manifest(manifest_id)
        if manifest.get("status") != "deploying":
            failed = [d for d in manifest.get("devices") or [] if d.get("status") in ("failed", "config_failed")]
            return manifest, failed
        if clock() >= deadline:
            raise ApiError(None, "WAIT_TIMEOUT", "manifest still deploying after %s seconds" % timeout,
                           method="GET", path="/manifests/%s" % manifest_id, resource=manifest_id)
        sleep(interval)
