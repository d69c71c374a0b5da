# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Manifest look-ups and waits shared by the Breakwater modules."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import poll
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError

MANIFEST_STATUSES = ("draft", "ready", "deploying", "deployed")
DEVICE_STATUSES = ("pending", "serial_registered", "config_generated", "deploying", "online", "config_failed", "failed")


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


def kept_manifest(manifests):
    """Of the manifests two runs created at once under one site and name, the one both keep: the
    oldest (``created_at``, then ``id``), the same for every run that reads them."""
    return min(manifests, key=lambda m: (m.get("created_at") or "", m.get("id") or ""))


def create_manifest_once(client, body):
    """Create the manifest ``body`` describes, then read its site back: when another run created one
    of the same site and name at the same time (the service has no lock and names are not unique),
    both runs keep the older one (:func:`kept_manifest`) and the run that created the newer one
    deletes it (a draft no one else uses yet). Returns (manifest kept, True when it is another run's)."""
    created = client.create_manifest(body)
    twins = [m for m in client.list_manifests(site_id=body.get("site_id")) if m.get("name") == body.get("name")]
    if created["id"] not in [m.get("id") for m in twins]:
        twins.append(created)
    kept = kept_manifest(twins)
    if kept["id"] == created["id"]:
        return created, False
    try:
        client.delete_manifest(created["id"])
    except ApiError as exc:
        if not (exc.status == 404 and exc.code == "MANIFEST_NOT_FOUND"):
            raise
    return kept, True


def lifecycle_steps(current, target):
    """The status updates that lead from ``current`` to ``target`` (draft -> ready -> deploying).

    A deployed manifest has done what ``deploying`` asks for: no step.
    """
    if not target or target == current or (target == "deploying" and current == "deployed"):
        return []
    if target == "deploying" and current == "draft":
        return ["ready", "deploying"]
    return [target]


def walk_status(client, manifest_id, current, target):
    """Write the status updates of :func:`lifecycle_steps`; returns the number written."""
    steps = lifecycle_steps(current, target)
    for step in steps:
        client.update_manifest(manifest_id, {"status": step})
    return len(steps)


def deploy_manifest(client, manifest, timeout, interval, on_poll=None, clock=None, sleep=None):
    """Start the deployment of ``manifest`` (walking draft -> ready -> deploying) and wait for it to end;
    returns (manifest, devices not online with their reasons). A deployed manifest (every device
    online) has nothing to deploy: no call.

    The one deployment of the collection (the manifest module with ``wait``, the site's deploy step).
    ``on_poll(manifest, elapsed)`` runs after each poll; a deployment still running after ``timeout``
    seconds raises polling.WaitTimeout: the caller decides what that becomes. A deployment another
    run started meanwhile (409 on the status update) is waited for, not started again.
    """
    if manifest.get("status") == "deployed":
        return manifest, []
    try:
        walk_status(client, manifest["id"], manifest.get("status"), "deploying")
    except ApiError as exc:
        # Another run started the deployment since the manifest was read: wait for that one, never
        # start a second (the service deploys only what is not online, but a failed device again).
        if exc.status != 409 or exc.code not in ("DEPLOYMENT_IN_PROGRESS", "INVALID_MANIFEST_STATUS"):
            raise
        now = client.get_manifest(manifest["id"])
        if now.get("status") == "deployed":
            return now, []
        if now.get("status") != "deploying":
            raise
    return wait_for_deployment(client, manifest["id"], timeout, interval, on_poll, clock, sleep)


def wait_for_deployment(client, manifest_id, timeout, interval, on_poll=None, clock=None, sleep=None):
    """Poll until the deployment ends; returns (manifest, failed devices).

    The manifest becomes ``deployed`` when every device is online, or goes back to ``ready``
    when every device has settled and some failed or were skipped (no config). Every device
    that is not online after a deployment that did not end ``deployed`` is listed, with its
    reason (see :func:`undeployed_devices`). ``on_poll(manifest, elapsed)`` runs after each
    poll; a deployment still running after ``timeout`` seconds raises WaitTimeout.
    """
    manifest = poll(lambda: client.get_manifest(manifest_id), lambda m: m.get("status") != "deploying",
                    timeout, interval, on_poll=on_poll, clock=clock, pause=sleep,
                    describe=lambda m: "manifest %s still deploying" % manifest_id)
    if manifest.get("status") == "deployed":
        return manifest, []
    return manifest, undeployed_devices(client, manifest)


def undeployed_devices(client, manifest):
    """The devices of a manifest that are not online, each with a reason.

    The reason is the device's ``status_reason`` when the server gives one, else the
    ``reason`` of its latest ``device_failed`` event (one call for all), else its status
    (for example C(serial_registered): it had no config, so it was not deployed).
    """
    devices = [d for d in manifest.get("devices") or [] if d.get("status") != "online"]
    if any(d.get("status") == "failed" and not d.get("status_reason") for d in devices):
        reasons = {}
        for event in client.list_events(manifest_id=manifest.get("id"), event_type="device_failed"):
            reason = (event.get("details") or {}).get("reason")
            if event.get("device_id") and reason:
                reasons[event["device_id"]] = reason  # oldest first: the last one wins
    else:
        reasons = {}
    failed = []
    for device in devices:
        reason = device.get("status_reason") or reasons.get(device.get("id"))
        if not reason:
            reason = "NOT_DEPLOYED" if device.get("status") != "failed" else "UNKNOWN"
        failed.append({"id": device.get("id"), "hostname": device.get("hostname"), "status": device.get("status"),
                       "status_reason": reason, "serial_number": device.get("serial_number")})
    return failed
