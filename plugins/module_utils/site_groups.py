# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sites among an inventory's hosts (breakwater.ztp.site_inventory), and a site's devices packed for its host."""

from __future__ import annotations

import json
import re

from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import problem
from ansible_collections.breakwater.ztp.plugins.module_utils.site_progress import status_counts


SITE_KEYS = ("ztp_site_id", "ztp_manifest_id", "ztp_manifest_name")


def is_device(host_vars):
    """A host with ``serial_number`` or ``device_type`` is a device (localhost in a play on localhost is not)."""
    return host_vars.get("serial_number") is not None or host_vars.get("device_type") is not None


def group_sites(hosts):
    """(sites, problems) from ``[(hostname, host_vars), ...]``: the devices of each site, in order.

    A site is the devices sharing ``ztp_site_id`` and manifest (``ztp_manifest_id``, else
    ``ztp_manifest_name``), usually a group with those variables. Hosts without
    ``serial_number`` and ``device_type`` are not devices. Each site is ``{"name", "site_id",
    "manifest", "hosts", "vars_from"}``; its name is its site id, with the manifest when the
    site id holds several.
    """
    sites, problems, order = {}, [], []
    for hostname, host_vars in hosts:
        if not is_device(host_vars):
            continue
        site_id = host_vars.get("ztp_site_id")
        manifest = host_vars.get("ztp_manifest_id") or host_vars.get("ztp_manifest_name")
        if not site_id or not manifest:
            problems.append(problem(hostname, "no %s: a device belongs to a site (set ztp_site_id and "
                                    "ztp_manifest_name on its group)" % ("ztp_site_id" if not site_id
                                                                         else "ztp_manifest_name")))
            continue
        key = (str(site_id), str(manifest))
        if key not in sites:
            sites[key] = {"site_id": key[0], "manifest": key[1], "hosts": [], "vars_from": hostname, "devices": {}}
            order.append(key)
        sites[key]["hosts"].append(hostname)
        # Read once here: on a site host the plan takes them from here, not from 1,000 hosts' variables again.
        sites[key]["devices"][hostname] = {"serial_number": host_vars.get("serial_number"),
                                           "device_type": host_vars.get("device_type")}
    per_site_id = status_counts([{"id": key[0]} for key in order], "id")
    for key in order:
        slug = re.sub(r"[^a-z0-9]+", "_", key[1].lower()).strip("_")
        sites[key]["name"] = key[0] if per_site_id[key[0]] == 1 else "%s-%s" % (key[0], slug)
    return [sites[key] for key in order], problems


def pack_devices(site):
    """A site's devices as one JSON text ``[[hostname, serial_number, device_type], ...]``: handed to
    its host as a single string, Ansible need not template 1,000 entries (half a second)."""
    return json.dumps([[host, site["devices"][host]["serial_number"], site["devices"][host]["device_type"]]
                       for host in site["hosts"]], separators=(",", ":"))


def unpack_devices(text):
    """``[(hostname, {serial_number, device_type}), ...]`` from :func:`pack_devices`."""
    return [(host, {"serial_number": serial, "device_type": device_type})
            for host, serial, device_type in json.loads(text)]
