# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site's I/O: read its state in as few calls as the APIs allow, and run the waits.

Each function takes the clients (BreakwaterClient, FortiZTPClient) as arguments and does no
HTTP of its own; the rules it applies live in :mod:`site`, :mod:`configs` and
:mod:`fortiztp_devices`. The site plugins call these; the unit tests call them with fakes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

from ansible_collections.breakwater.ztp.plugins.module_utils import site as rules
from ansible_collections.breakwater.ztp.plugins.module_utils.configs import (
    config_file_content, config_file_names, download_configs, event_ids, failure_of, finished_devices,
)

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import (
    DONE, PENDING, index_by_serial, progress, script_by_name, serial_filter, split_list,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import find_manifest, undeployed_devices
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout, poll
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, TaskFailure

# Parallel config downloads by default (configs_download_workers): the API has no bulk config
# endpoint, one GET per device; each worker has its own session (BreakwaterClient.for_thread).
DOWNLOAD_WORKERS = 16


def in_parallel(client, *reads):
    """``[read(client), ...]``, the reads run at once, each with a twin of ``client`` (its own HTTP
    session; its calls added to ``client``). A read that is None gives None. The first error is
    raised once every read has ended. A client without ``for_thread`` (a test double) reads in turn.
    """
    wanted = [read for read in reads if read is not None]
    if not hasattr(client, "for_thread") or len(wanted) < 2:
        return [read(client) if read is not None else None for read in reads]
    twins = [client.for_thread() for _read in wanted]
    try:
        with ThreadPoolExecutor(max_workers=len(wanted)) as pool:
            futures = [pool.submit(read, twin) for read, twin in zip(wanted, twins)]
            wait(futures)
        answers = iter([future.result() for future in futures])
    finally:
        for twin in twins:
            client.add_calls(twin)
    return [next(answers) if read is not None else None for read in reads]


def read_breakwater(client, site, with_status=False):
    """(templates, manifest with devices or None, service status or None): two to four calls, at once."""
    def manifest(twin):
        try:
            return find_manifest(twin, site.get("manifest_id"), site["site_id"], site["manifest_name"])
        except InputError as exc:
            # Named after the variable the user sets, not the module option.
            raise InputError("ztp_manifest_name", exc.value, exc.reason.replace("give id instead",
                                                                                "set ztp_manifest_id to pick one"))

    templates, found, status = in_parallel(client, lambda twin: twin.list_templates(), manifest,
                                           (lambda twin: twin.get_status()) if with_status else None)
    if found is None and site.get("manifest_id"):
        raise InputError("ztp_manifest_id", site["manifest_id"], "is not a manifest (MANIFEST_NOT_FOUND)")
    return templates, found, status


def read_fortiztp(client, site, devices, with_system=False):
    """(records by serial, FortiManager targets, scripts, system status or None) of the site's Fortinet
    devices, or empties: one login, then up to four calls at once."""
    fortinet = [d["serial_number"] for d in rules.fortinet_devices(site, devices)]
    if not site["fortiztp_enabled"] or not fortinet:
        return {}, [], [], client.get_system() if with_system else None
    if hasattr(client, "login"):
        client.login()  # once, before the reads share it
    records, fortimanagers, scripts, system = in_parallel(
        client, lambda twin: twin.list_devices(serials=serial_filter(fortinet)),
        (lambda twin: twin.list_fortimanagers()) if site.get("fortimanager_sn") else None,
        (lambda twin: twin.list_scripts()) if site.get("fortiztp_script") else None,
        (lambda twin: twin.get_system()) if with_system else None)
    return index_by_serial(records, fortinet), fortimanagers or [], scripts or [], system


def read_swapped(client, site, devices, manifest, records):
    """``records`` plus FortiZTP's records of the serials an RMA swaps out (Breakwater still holds
    them for devices the inventory gives another): a unit swapped out is unprovisioned if FortiZTP
    has it provisioned. No call when there is no swap."""
    swapped = [s for s in rules.swapped_serials(site, devices, manifest) if s not in records]
    if swapped:
        records = dict(records, **index_by_serial(client.list_devices(serials=serial_filter(swapped)), swapped))
    return records


def fortimanager_ready(site, fortimanagers, scripts=None):
    """True when a FortiManager target with the site's serial(s), IP(s) and script exists already.

    FortiZTP keeps an HA pair's serials and addresses as one comma list.
    """
    wanted_sn, wanted_ip = sorted(site.get("fortimanager_sn") or []), sorted(site.get("fortimanager_ip") or [])
    wanted_script = None
    if site.get("fortiztp_script"):
        script = script_by_name(scripts or [], site["fortiztp_script"], option="ztp_fortiztp_script")
        if script is None:
            return False  # the script is created first, then set on the target
        wanted_script = script.get("oid")
    for target in fortimanagers or []:
        if sorted(split_list(target.get("sn"))) == wanted_sn and sorted(split_list(target.get("ip"))) == wanted_ip \
                and (wanted_script is None or target.get("scriptOid") == wanted_script):
            return True
    return False


# --- configs -----------------------------------------------------------------------------------
def generate_configs(client, manifest, hostnames, force, timeout, interval, on_poll=None):
    """Queue the configs of ``hostnames`` and wait for each; returns (generated devices, failures).

    Completion shows in the events (the API has no job endpoint): a new config_generated or
    config_failed event per queued device.
    """
    by_host = dict((d.get("hostname"), d) for d in manifest.get("devices") or [])
    wanted = [by_host[h] for h in hostnames if h in by_host]
    if not wanted:
        return [], []
    known = event_ids(client.list_events(manifest_id=manifest["id"]))
    job = client.generate_configs(manifest["id"], [d["id"] for d in wanted], force_regenerate=force)
    skipped = set(item.get("device_id") or item.get("id") for item in (job or {}).get("skipped") or [])
    queued = [d for d in wanted if d["id"] not in skipped]
    ids = set(d["id"] for d in queued)

    def fetch():
        return finished_devices(client.list_events(manifest_id=manifest["id"]), ids, known)

    def report(done, elapsed):
        if on_poll:
            failed = sum(1 for e in done.values() if e.get("event_type") == "config_failed")
            on_poll(rules.progress_line("configs", {"generated": len(done) - failed, "failed": failed,
                                                    "pending": len(ids) - len(done)}, len(ids), "generated"))

    try:
        done = poll(fetch, lambda d: len(d) >= len(ids), timeout, interval, on_poll=report,
                    describe=lambda d: "configs of %s" % ", ".join(sorted(
                        x.get("hostname") for x in queued if x["id"] not in d)))
    except WaitTimeout as exc:
        raise TaskFailure("config generation: %s" % exc, changed=True)
    failures = [failure_of(d, done.get(d["id"])) for d in queued
                if (done.get(d["id"]) or {}).get("event_type") == "config_failed"]
    generated = [d for d in queued if (done.get(d["id"]) or {}).get("event_type") == "config_generated"]
    return generated, failures


def save_configs(client, devices, dest, fmt, write, workers=DOWNLOAD_WORKERS):
    """Download the configs of ``devices``, ``workers`` at once, and write them under ``dest``; returns
    the paths that changed. ``write(path, bytes)`` is the caller's file operation (True when the file changed).
    """
    names = config_file_names(devices, "json" if fmt == "json" else "cfg")
    answers = download_configs(client, devices, fmt, workers)
    written = []
    for device in devices:
        path = "%s/%s" % (dest.rstrip("/"), names[device["id"]])
        if write(path, config_file_content(answers[device["id"]], fmt)):
            written.append(path)
    return written


def missing_config_files(devices, dest, fmt, exists):
    """The devices holding a config whose file under ``dest`` is missing."""
    names = config_file_names(devices, "json" if fmt == "json" else "cfg")
    return [d for d in devices if d.get("status") in rules.HAS_CONFIG
            and not exists("%s/%s" % (dest.rstrip("/"), names[d["id"]]))]


# --- FortiZTP ----------------------------------------------------------------------------------
def wait_provisioned(client, serials, timeout, interval, on_poll=None):
    """Poll FortiZTP until none of ``serials`` is still being provisioned; returns their records."""
    def fetch():
        return index_by_serial(client.list_devices(serials=serial_filter(serials)), serials)

    def report(records, elapsed):
        if on_poll:
            counts = {}
            for serial in serials:
                state = progress(records.get(serial))
                counts[state] = counts.get(state, 0) + 1
            on_poll(rules.progress_line("fortiztp", {"provisioned": counts.get(DONE, 0),
                                                     "provisioning": counts.get(PENDING, 0),
                                                     "incomplete": counts.get("incomplete", 0)},
                                        len(serials), "provisioned"))

    try:
        return poll(fetch, lambda records: all(progress(records.get(s)) != PENDING for s in serials),
                    timeout, interval, on_poll=report,
                    describe=lambda records: "FortiZTP still provisioning %s" % ", ".join(
                        s for s in serials if progress(records.get(s)) == PENDING))
    except WaitTimeout as exc:
        raise TaskFailure("FortiZTP provisioning: %s" % exc, changed=True)


# --- deployment --------------------------------------------------------------------------------
def deploy(client, manifest, timeout, interval, on_poll=None, hostnames=None, what="deployment"):
    """Start the deployment (walking draft -> ready -> deploying) and wait for it to settle.

    Returns (manifest, devices not online with their reasons). The progress lines count the
    devices of ``hostnames`` (a wave), else all.
    """
    status = manifest.get("status")
    if status == "deployed":
        # Every device is online (a write that takes one off online reopens the manifest): nothing to deploy.
        return manifest, []
    if status == "draft":
        client.update_manifest(manifest["id"], {"status": "ready"})
    if status != "deploying":
        client.update_manifest(manifest["id"], {"status": "deploying"})

    def report(current, elapsed):
        if on_poll:
            devices = [d for d in current.get("devices") or [] if hostnames is None or d.get("hostname") in hostnames]
            on_poll(rules.progress_line(what, rules.status_counts(devices), len(devices), "online"))

    try:
        final = poll(lambda: client.get_manifest(manifest["id"]), lambda m: m.get("status") != "deploying",
                     timeout, interval, on_poll=report,
                     describe=lambda m: "manifest %s still deploying" % manifest["id"])
    except WaitTimeout as exc:
        raise TaskFailure("deployment: %s" % exc, changed=True)
    if final.get("status") == "deployed":
        return final, []
    return final, undeployed_devices(client, final)
