# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sites among an inventory's hosts (breakwater.ztp.site_inventory), and a site's devices packed for its host.

A site is either device hosts (one host per device, sharing ``ztp_site_id`` and manifest) or one site
host (a host with ``ztp_devices``, the list of its devices); never both for one site."""

from __future__ import annotations

import json
import re

from ansible_collections.breakwater.ztp.plugins.module_utils.serials import normalize_serial, serial_problem
from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import problem
from ansible_collections.breakwater.ztp.plugins.module_utils.site_progress import status_counts


SITE_KEYS = ("ztp_site_id", "ztp_manifest_id", "ztp_manifest_name")
# The variable of a site host, and the keys of each of its entries (groups is optional).
DEVICES_VARIABLE = "ztp_devices"
DEVICE_KEYS = ("hostname", "serial_number", "device_type", "groups")


def is_site_host(host_vars):
    """A host with ``ztp_devices`` is a site: its devices are entries of that list, not hosts of their own."""
    return host_vars.get(DEVICES_VARIABLE) is not None


def _text(value):
    return value.strip() if isinstance(value, str) else None


def site_host_devices(hostname, entries):
    """(devices, problems) of a site host's ``ztp_devices``: each ``{hostname, serial_number, device_type,
    groups}`` (serial normalised, groups a list), every entry checked and every problem located as
    ``<host>: ztp_devices[3].serial_number: ...``; a hostname or serial twice in the list is a problem."""
    where = "%s: %s" % (hostname, DEVICES_VARIABLE)
    if not isinstance(entries, (list, tuple)):
        return [], [problem(where, "%r is not a list of devices" % (entries,))]
    if not entries:
        return [], [problem(where, "is empty: a site host lists its devices ({hostname, serial_number, device_type})")]
    devices, problems, seen = [], [], {"hostname": {}, "serial_number": {}}
    for index, entry in enumerate(entries):
        at = "%s[%d]" % (DEVICES_VARIABLE, index)
        if not isinstance(entry, dict):
            problems.append(problem(hostname, "%s: %r is not a device ({hostname, serial_number, device_type})"
                                    % (at, entry)))
            continue
        for key in sorted(set(entry) - set(DEVICE_KEYS), key=str):
            problems.append(problem(hostname, "%s.%s: unknown key (a device has %s)" % (at, key, ", ".join(DEVICE_KEYS))))
        name, device_type = _text(entry.get("hostname")), _text(entry.get("device_type"))
        serial = normalize_serial(entry.get("serial_number")) if entry.get("serial_number") is not None else ""
        if not name:
            problems.append(problem(hostname, "%s.hostname: %r is not a host name" % (at, entry.get("hostname"))))
        if serial_problem(serial):
            problems.append(problem(hostname, "%s.serial_number: %s %s" % (at, json.dumps(serial), serial_problem(serial))))
        if not device_type:
            problems.append(problem(hostname, "%s.device_type: %r is not a device type" % (at, entry.get("device_type"))))
        groups = entry.get("groups") or []
        if not isinstance(groups, (list, tuple)) or not all(_text(group) for group in groups):
            problems.append(problem(hostname, "%s.groups: %r is not a list of group names" % (at, entry.get("groups"))))
            groups = []
        for key, value in (("hostname", name), ("serial_number", serial)):
            if value and value in seen[key]:
                problems.append(problem(hostname, "%s.%s: %s is also the %s of %s[%d]" % (
                    at, key, value, key, DEVICES_VARIABLE, seen[key][value])))
            elif value:
                seen[key][value] = index
        devices.append({"hostname": name, "serial_number": serial, "device_type": device_type,
                        "groups": [group.strip() for group in groups]})
    return devices, problems


def device_groups(devices):
    """group -> [hostnames] of a site host's devices (their ``groups``), for matching ``rollout_waves`` patterns."""
    groups = {}
    for device in devices:
        for group in device.get("groups") or []:
            groups.setdefault(group, []).append(device["hostname"])
    return groups


def is_device(host_vars):
    """A host with ``serial_number`` or ``device_type`` is a device (localhost in a play on localhost is not)."""
    return host_vars.get("serial_number") is not None or host_vars.get("device_type") is not None


def group_sites(hosts):
    """(sites, problems) from ``[(hostname, host_vars), ...]``: the devices of each site, in order.

    A site is the devices sharing ``ztp_site_id`` and manifest (``ztp_manifest_id``, else
    ``ztp_manifest_name``), usually a group with those variables; or a site host, whose
    ``ztp_devices`` lists its devices (:func:`site_host_devices`). Hosts without
    ``serial_number``, ``device_type`` or ``ztp_devices`` are not devices. Each site is
    ``{"name", "site_id", "manifest", "hosts", "vars_from", "devices", "site_host"}``; a site host's
    name is its own, a group's is its site id, with the manifest when the site id holds several.
    A site given both ways (a site host and device hosts, or two site hosts) is a problem.
    """
    sites, problems, order, mixed = {}, [], [], {}
    for hostname, host_vars in hosts:
        site_host = is_site_host(host_vars)
        if not site_host and not is_device(host_vars):
            continue
        site_id = host_vars.get("ztp_site_id")
        manifest = host_vars.get("ztp_manifest_id") or host_vars.get("ztp_manifest_name")
        if not site_id or not manifest:
            problems.append(problem(hostname, "no %s: a %s belongs to a site (set ztp_site_id and ztp_manifest_name %s)" % (
                "ztp_site_id" if not site_id else "ztp_manifest_name", "site host" if site_host else "device",
                "on it" if site_host else "on its group")))
            continue
        key = (str(site_id), str(manifest))
        if site_host:
            devices, device_problems = site_host_devices(hostname, host_vars.get(DEVICES_VARIABLE))
            problems.extend(device_problems)
            if key in sites:
                problems.append(mixed_site(key, hostname, sites[key]))
                continue
            sites[key] = {"site_id": key[0], "manifest": key[1], "hosts": [d["hostname"] for d in devices],
                          "vars_from": hostname, "name": hostname, "site_host": True,
                          "devices": dict((d["hostname"], d) for d in devices)}
            order.append(key)
            continue
        if key not in sites:
            sites[key] = {"site_id": key[0], "manifest": key[1], "hosts": [], "vars_from": hostname, "devices": {},
                          "site_host": False}
            order.append(key)
        elif sites[key]["site_host"]:
            mixed.setdefault(key, []).append(hostname)
            continue
        sites[key]["hosts"].append(hostname)
        # Read once here: on a site host the plan takes them from here, not from 1,000 hosts' variables again.
        sites[key]["devices"][hostname] = {"serial_number": host_vars.get("serial_number"),
                                           "device_type": host_vars.get("device_type")}
    problems.extend(mixed_site(key, sites[key]["vars_from"], {"hosts": hostnames}) for key, hostnames in mixed.items())
    names = site_names([key for key in order if not sites[key]["site_host"]])
    for key in order:
        sites[key].setdefault("name", names.get(key))
    return [sites[key] for key in order], problems


def mixed_site(key, site_host, other):
    """The problem of a site given both as a site host and otherwise (device hosts, or another site host)."""
    given = "site host %s" % other["vars_from"] if other.get("site_host") else "device host(s) %s" % ", ".join(other["hosts"])
    return problem(site_host, "site %s, manifest %s: given by this site host (ztp_devices) and by %s; list a site's "
                   "devices one way, as device hosts or in one site host's ztp_devices" % (key[0], key[1], given))


def site_names(keys):
    """(site id, manifest) -> name: the site id, with the manifest (slugged) when the site id has several."""
    per_site_id = status_counts([{"id": key[0]} for key in keys], "id")
    names = {}
    for key in keys:
        slug = re.sub(r"[^a-z0-9]+", "_", key[1].lower()).strip("_")
        names[key] = key[0] if per_site_id[key[0]] == 1 else "%s-%s" % (key[0], slug)
    return names


def pack_devices(site):
    """A site's devices as one JSON text ``[[hostname, serial_number, device_type(, groups)], ...]``: handed to
    its host as a single string, Ansible need not template 1,000 entries (half a second). A site host's
    devices carry their groups (for ``rollout_waves``)."""
    return json.dumps([[host, site["devices"][host]["serial_number"], site["devices"][host]["device_type"]]
                       + ([site["devices"][host]["groups"]] if site.get("site_host") else [])
                       for host in site["hosts"]], separators=(",", ":"))


def pack_names(names):
    """The run's site names as one JSON text, for the same reason as :func:`pack_devices`: every site's host
    holds them, and 200 sites x 200 names templated one by one cost seconds."""
    return json.dumps(list(names), separators=(",", ":"))


def unpack_names(packed):
    """The names :func:`pack_names` packed (a list is taken as it is)."""
    return json.loads(packed) if isinstance(packed, str) else list(packed or [])


def unpack_devices(text):
    """``[(hostname, {serial_number, device_type(, groups)}), ...]`` from :func:`pack_devices`."""
    devices = []
    for entry in json.loads(text):
        device = {"serial_number": entry[1], "device_type": entry[2]}
        if len(entry) > 3:
            device["groups"] = entry[3]
        devices.append((entry[0], device))
    return devices
