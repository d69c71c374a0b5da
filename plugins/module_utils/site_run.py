# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site's I/O: read its state in as few calls as the APIs allow, and run the waits.

Each function takes the clients (BreakwaterClient, FortiZTPClient) as arguments and does no
HTTP of its own; the rules it applies live in the site_* modules, :mod:`configs` and
:mod:`fortiztp_provisioning`. The site plugins call these; the unit tests call them with fakes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait

from ansible_collections.breakwater.ztp.plugins.module_utils import configs, fortiztp_provisioning, site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_progress

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import script_by_name, split_list
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_provisioning import (
    DONE, INCOMPLETE, PENDING, index_by_serial, serial_filter,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.health import assess_services
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import deploy_manifest, find_manifest
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, TaskFailure


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
            return find_manifest(twin, site.get("ztp_manifest_id"), site["ztp_site_id"], site["ztp_manifest_name"])
        except InputError as exc:
            # Named after the variable the user sets, not the module option.
            raise InputError("ztp_manifest_name", exc.value, exc.reason.replace("give id instead",
                                                                                "set ztp_manifest_id to pick one"))

    templates, found, status = in_parallel(client, lambda twin: twin.list_templates(), manifest,
                                           (lambda twin: twin.get_status()) if with_status else None)
    if found is None and site.get("ztp_manifest_id"):
        raise InputError("ztp_manifest_id", site["ztp_manifest_id"], "is not a manifest (MANIFEST_NOT_FOUND)")
    return templates, found, status


def read_fortiztp(client, site, devices, with_system=False):
    """(records by serial, FortiManager targets, scripts, system status or None) of the site's Fortinet
    devices, or empties: one login, then up to four calls at once."""
    fortinet = [d["serial_number"] for d in site_checks.fortinet_devices(site, devices)]
    if not site["rollout_fortiztp_enabled"] or not fortinet:
        return {}, [], [], client.get_system() if with_system else None
    if hasattr(client, "login"):
        client.login()  # once, before the reads share it
    records, fortimanagers, scripts, system = in_parallel(
        client, lambda twin: twin.list_devices(serials=serial_filter(fortinet)),
        (lambda twin: twin.list_fortimanagers()) if site.get("ztp_fortimanager_sn") else None,
        (lambda twin: twin.list_scripts()) if site.get("ztp_fortiztp_script") else None,
        (lambda twin: twin.get_system()) if with_system else None)
    return index_by_serial(records, fortinet), fortimanagers or [], scripts or [], system


def read_swapped(client, site, devices, manifest, records):
    """``records`` plus FortiZTP's records of the serials an RMA swaps out (Breakwater still holds
    them for devices the inventory gives another): a unit swapped out is unprovisioned if FortiZTP
    has it provisioned. No call when there is no swap."""
    swapped = [s for s in site_checks.swapped_serials(site, devices, manifest) if s not in records]
    if swapped:
        records = dict(records, **index_by_serial(client.list_devices(serials=serial_filter(swapped)), swapped))
    return records


def read_site(site, devices, client, with_breakwater=True, with_fortiztp=True, check_health=False,
              fortiztp_target=True):
    """Read the site's state and check it: no write. ``client(api)`` gives the API's client (made on first use).

    Returns ``{"manifest", "fortiztp_records", "fortimanagers", "scripts", "templates", "devices",
    "problems", "health_warnings"}``. FortiZTP is read beside Breakwater, in a thread of its own,
    when the inventory already says which Fortinet devices there are; a play without device hosts
    (on localhost) works on every device of the manifest, so learns them from it and reads FortiZTP
    after. With ``check_health`` (the plan of a rollout) and ``rollout_require_healthy``, both
    services' status is read too, and an outage is a problem. ``fortiztp_target``: the run provisions
    (the site's FortiManager target and script are checked too).
    """
    health = check_health and site["rollout_require_healthy"]

    def fortinet(current):
        return with_fortiztp and site["rollout_fortiztp_enabled"] and site_checks.fortinet_devices(site, current)

    fortiztp = client("fortiztp") if fortinet(devices) else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        beside = pool.submit(read_fortiztp, fortiztp, site, devices, health) if fortiztp else None
        templates, manifest, bw_status = [], None, None
        if with_breakwater:
            templates, manifest, bw_status = read_breakwater(client("breakwater"), site, health)
        records, fortimanagers, scripts, fz_system = beside.result() if beside else ({}, [], [], None)
    if not devices and manifest:
        devices = [{"hostname": d.get("hostname"), "serial_number": d.get("serial_number") or "",
                    "device_type": d.get("device_type") or ""} for d in manifest.get("devices") or []]
        if fortinet(devices):
            fortiztp = client("fortiztp")
            records, fortimanagers, scripts, fz_system = read_fortiztp(fortiztp, site, devices, health)
    if fortiztp:
        records = read_swapped(fortiztp, site, devices, manifest, records)
    health_problems, health_warnings = assess_services(bw_status, fz_system) if health else ([], [])
    problems = [site_checks.problem("rollout_require_healthy", p) for p in health_problems]
    if with_breakwater:  # the checks of what was read
        problems += (site_checks.template_problems(devices, templates, site["ztp_config_templates"])
                     + site_checks.manifest_problems(manifest, devices, site))
    if with_fortiztp:
        problems += site_checks.fortiztp_problems(site, devices, records, fortimanagers, scripts, fortiztp_target)
    return {"manifest": manifest, "fortiztp_records": records, "fortimanagers": fortimanagers, "scripts": scripts,
            "templates": templates, "devices": devices, "problems": problems, "health_warnings": health_warnings}


def fortimanager_ready(site, fortimanagers, scripts=None):
    """True when a FortiManager target with the site's serial(s), IP(s) and script exists already.

    FortiZTP keeps an HA pair's serials and addresses as one comma list.
    """
    wanted_sn, wanted_ip = sorted(site.get("ztp_fortimanager_sn") or []), sorted(site.get("ztp_fortimanager_ip") or [])
    wanted_script = None
    if site.get("ztp_fortiztp_script"):
        script = script_by_name(scripts or [], site["ztp_fortiztp_script"], option="ztp_fortiztp_script")
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
    """The site's config generation (configs.generate_configs) for ``hostnames``: returns (generated
    devices, failures); a progress line per poll, a timeout fails the step."""
    by_host = dict((d.get("hostname"), d) for d in manifest.get("devices") or [])
    wanted = [by_host[h] for h in hostnames if h in by_host]
    if not wanted:
        return [], []

    def report(counts, total):
        if on_poll:
            on_poll(site_progress.progress_line("configs", counts, total, "generated"))

    try:
        outcome = configs.generate_configs(client, manifest["id"], wanted, force, timeout, interval, on_poll=report)
    except WaitTimeout as exc:
        raise TaskFailure("config generation: %s" % exc, changed=True)
    return outcome["generated"], outcome["failed"]


# --- FortiZTP ----------------------------------------------------------------------------------
def wait_provisioned(client, serials, timeout, interval, records=None, on_poll=None):
    """The site's FortiZTP wait (fortiztp_provisioning.wait_provisioned): returns the records of ``serials``;
    a progress line per poll, a timeout fails the step."""
    def report(counts, total):
        if on_poll:
            on_poll(site_progress.progress_line("fortiztp", {"provisioned": counts[DONE], "provisioning": counts[PENDING],
                                                             "incomplete": counts[INCOMPLETE]}, total, "provisioned"))

    try:
        return fortiztp_provisioning.wait_provisioned(client, serials, timeout, interval, records=records, on_poll=report)
    except WaitTimeout as exc:
        raise TaskFailure("FortiZTP provisioning: %s" % exc, changed=True)


# --- deployment --------------------------------------------------------------------------------
def deploy(client, manifest, timeout, interval, on_poll=None, hostnames=None, what="deployment"):
    """The site's deployment (manifests.deploy_manifest): returns (manifest, devices not online with
    their reasons). The progress lines count the devices of ``hostnames`` (a wave), else all; a
    timeout fails the step."""
    def report(current, elapsed):
        if on_poll:
            devices = [d for d in current.get("devices") or [] if hostnames is None or d.get("hostname") in hostnames]
            on_poll(site_progress.progress_line(what, site_progress.status_counts(devices), len(devices), "online"))

    try:
        return deploy_manifest(client, manifest, timeout, interval, on_poll=report)
    except WaitTimeout as exc:
        raise TaskFailure("deployment: %s" % exc, changed=True)
