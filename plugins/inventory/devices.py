# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: devices
short_description: Breakwater ZTP devices as Ansible hosts
version_added: 0.1.0
description:
  - Makes every device of the selected Breakwater ZTP manifests an Ansible host, named after
    the device's hostname, grouped by manifest, site, device type and status.
  - "It costs the manifest listing (one call per 500 manifests) plus one call per selected
    manifest (C(GET /manifests/{id}) answers the manifest with its devices), never one call
    per device. With O(cache=true) a cached run makes no call at all."
  - The inventory file name must end in C(breakwater_ztp.yml) or C(breakwater_ztp.yaml),
    for example C(floor_a.breakwater_ztp.yml).
  - "With O(host_per=device) (the default) every host gets these variables: C(ansible_host) (the device's C(ip_address), when it has
    one), C(hostname), C(device_id), C(serial_number), C(mac_address), C(device_type), C(status),
    C(config_template), C(manifest_id), C(manifest_name), C(manifest_status) and C(site_id)."
  - Every string from the API that could be a template (it holds C({{), C({%) or C({#), or starts
    with C(#jinja2:)) is marked unsafe, so a hostname or any other field holding Jinja2 syntax
    stays a literal string and is never templated. Every other value is plain, so
    C(ansible-inventory --list --export) and an AWX inventory sync store plain values.
  - When two devices have the same hostname, the second one is added as
    C(<hostname>_<device_id>), with a warning. A device without a hostname is named after its ID.
options:
  plugin:
    description:
      - Marks the file as an inventory source of this plugin.
    type: str
    required: true
    choices: [breakwater.ztp.devices]
  site_id:
    description:
      - Only manifests of this site (filtered by the server).
    type: str
  manifests:
    description:
      - Only these manifests, each given by its ID or its name.
      - The inventory fails when one of them matches no manifest (after O(site_id) and
        O(manifest_status)), so a typo never yields an empty inventory silently.
      - Manifest names are not unique; a name matches every manifest that has it.
    type: list
    elements: str
  manifest_status:
    description:
      - Only manifests in one of these statuses. A single status is filtered by the server.
    type: list
    elements: str
    choices: [draft, ready, deploying, deployed]
  device_status:
    description:
      - Only devices in one of these statuses, for example V(online) or V(serial_registered).
    type: list
    elements: str
    choices: [pending, serial_registered, config_generated, deploying, online, config_failed, failed]
  group_by:
    description:
      - "Which groups to create. Group names are the O(group_prefix), the kind and the value,
        lower-cased, with every run of characters other than letters, digits and C(_) turned into
        one C(_): V(manifest) gives C(manifest_production_floor_a) (from the manifest's name),
        V(site) gives C(site_site_456), V(device_type) gives C(device_type_cisco_ie3300) and
        V(status) gives C(status_online)."
      - Manifest names are not unique; manifests that share a name share their group. Use
        O(keyed_groups) on C(manifest_id) to tell them apart.
    type: list
    elements: str
    choices: [manifest, site, device_type, status]
    default: [manifest, site, device_type, status]
  group_prefix:
    description:
      - Prepended to the name of every group of O(group_by), for example V(bw_).
    type: str
    default: ""
  host_per:
    description:
      - V(device) makes each device a host (the hosts of one site share its groups).
      - V(site) makes each selected manifest one host, a site host for C(breakwater.ztp.site_rollout),
        named after its site (its site ID, with the manifest's name when the site ID has several manifests),
        with the variables C(ztp_site_id), C(ztp_manifest_name), C(ztp_manifest_id) and C(ztp_devices), the
        manifest's devices (after O(device_status)), each C({hostname, serial_number, device_type, groups}). A
        device's C(groups) are its O(group_by) group of V(device_type) (for C(rollout_waves) patterns such as
        C(device_type_cisco_ie3300)); the site host itself joins the O(group_by) groups of V(manifest) and V(site).
        A manifest without a device left after O(device_status) gets no host. With O(cache=true) a cached run makes
        no call, as with V(device).
      - An AWX job template sliced over V(site) hosts (C(job_slice_count)) rolls out whole sites in each slice;
        over V(device) hosts every slice would hold part of every site.
    type: str
    choices: [device, site]
    default: device
    version_added: 0.2.0
extends_documentation_fragment:
  - breakwater.ztp.breakwater.inventory
  - breakwater.ztp.transport
  - constructed
  - inventory_cache
notes:
  - The connection options and their environment variables are the same as the
    Breakwater modules'; in AWX, a custom credential type that sets E(BREAKWATER_URL) and
    E(BREAKWATER_API_TOKEN) keeps the token out of the inventory file.
  - The cache (O(cache)) holds the raw API answers, never the token; its key includes the URL and
    the filters, so changing them never serves another selection. C(ansible-inventory --flush-cache)
    refreshes it.
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
# floor_a.breakwater_ztp.yml: every device of one site; URL and token from the environment
# (BREAKWATER_URL, BREAKWATER_API_TOKEN).
plugin: breakwater.ztp.devices
site_id: site_456

---
# ready.breakwater_ztp.yml: the switches of two manifests, with their own group and the
# connection details composed from the device type.
plugin: breakwater.ztp.devices
url: https://ztp.example.com
manifests:
  - Production Floor A
  - manifest_124
manifest_status: [ready, deploying, deployed]
compose:
  ansible_network_os: "'cisco.ios.ios' if device_type.startswith('cisco_') else 'fortinet.fortios.fortios'"
groups:
  switches: device_type.startswith('cisco_ie')
keyed_groups:
  - key: manifest_id
    prefix: bw

# Then "the online switches of Production Floor A":
#   hosts: manifest_production_floor_a:&status_online:&switches

---
# sites.breakwater_ztp.yml: one host per site (its devices in ztp_devices), for
# ansible-playbook breakwater.ztp.site_rollout and for an AWX job template sliced by site.
plugin: breakwater.ztp.devices
manifest_status: [ready, deploying, deployed]
host_per: site

---
# cached.breakwater_ztp.yml: cache the API answers for an hour.
plugin: breakwater.ztp.devices
site_id: site_456
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/breakwater.ztp/inventory
cache_timeout: 3600
"""

from ansible.errors import AnsibleParserError

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import (
    BREAKWATER_ARGUMENT_SPEC, BreakwaterClient,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.site_groups import site_names
from ansible_collections.breakwater.ztp.plugins.plugin_utils.inventory import DeviceInventory, safe_group_name


class InventoryModule(DeviceInventory):

    NAME = "breakwater.ztp.devices"
    FILE_SUFFIXES = ("breakwater_ztp.yml", "breakwater_ztp.yaml")

    def check_options(self):
        for option in ("url", "api_token"):
            if not self.get_option(option):
                raise AnsibleParserError("%s: %s is required (or set %s)" % (
                    self.NAME, option, "BREAKWATER_URL" if option == "url" else "BREAKWATER_API_TOKEN"))

    def cache_identity(self):
        return {
            "url": self.get_option("url"),
            "site_id": self.get_option("site_id"),
            "manifests": self.get_option("manifests"),
            "manifest_status": self.get_option("manifest_status"),
        }

    def fetch_payload(self):
        """The listing, then one GET per selected manifest; the answers as they came."""
        client = BreakwaterClient.from_params(dict((k, self.get_option(k)) for k in BREAKWATER_ARGUMENT_SPEC))
        statuses = self.get_option("manifest_status") or []
        listing = client.list_manifests(site_id=self.get_option("site_id"),
                                        status=statuses[0] if len(statuses) == 1 else None)
        manifests = [client.get_manifest(summary["id"]) for summary in self._select(listing, statuses)]
        self.display.vvv("%s: %d manifests, %d API calls" % (self.NAME, len(manifests), client.calls))
        return {"manifests": manifests}

    def _select(self, listing, statuses):
        wanted = self.get_option("manifests") or []
        selected = []
        for summary in listing:
            if not isinstance(summary, dict) or not summary.get("id"):
                continue
            if statuses and summary.get("status") not in statuses:
                continue
            if wanted and summary["id"] not in wanted and summary.get("name") not in wanted:
                continue
            selected.append(summary)
        found = set(s["id"] for s in selected) | set(s.get("name") for s in selected)
        missing = [w for w in wanted if w not in found]
        if missing:
            raise AnsibleParserError("%s: manifests: no manifest has the ID or name %s (site_id: %s, manifest_status: %s)"
                                     % (self.NAME, ", ".join(repr(m) for m in missing),
                                        self.get_option("site_id") or "any", ", ".join(statuses) or "any"))
        return selected

    def populate(self, payload):
        per_site = self.get_option("host_per") == "site"
        manifests = payload.get("manifests") or []
        names = site_names([self.site_key(manifest) for manifest in manifests]) if per_site else {}
        for manifest in manifests:
            devices = []
            for device in manifest.get("devices") or []:
                if self.get_option("device_status") and device.get("status") not in self.get_option("device_status"):
                    continue
                name = device.get("hostname") or device.get("id")
                if not name:
                    self.display.warning("%s: skipping a device of manifest %s without hostname or ID"
                                         % (self.NAME, manifest.get("id")))
                    continue
                if per_site:
                    devices.append({"hostname": name, "serial_number": device.get("serial_number"),
                                    "device_type": device.get("device_type"),
                                    "groups": [g for g in [self.group("device_type", device.get("device_type"))] if g]})
                    continue
                groups = [self.group("manifest", manifest.get("name")), self.group("site", manifest.get("site_id")),
                          self.group("device_type", device.get("device_type")), self.group("status", device.get("status"))]
                self.add_device(name, device.get("id"), self.device_vars(manifest, device), groups)
            if per_site and not devices:
                # No device left after device_status: no site to roll out (site_rollout refuses an empty ztp_devices).
                self.display.vvv("%s: manifest %s has no device of device_status %s: no host" % (
                    self.NAME, manifest.get("id"), ", ".join(self.get_option("device_status") or [])))
            elif per_site:
                self.add_device(names[self.site_key(manifest)], manifest.get("id"), {
                    "ztp_site_id": manifest.get("site_id"), "ztp_manifest_name": manifest.get("name"),
                    "ztp_manifest_id": manifest.get("id"), "ztp_devices": devices,
                }, [self.group("manifest", manifest.get("name")), self.group("site", manifest.get("site_id"))])

    @staticmethod
    def site_key(manifest):
        """(site id, manifest name) of a manifest's site host (a manifest without a site: its id)."""
        return (str(manifest.get("site_id") or manifest.get("id")), str(manifest.get("name") or manifest.get("id")))

    def group(self, kind, value):
        """The group of O(group_by) ``kind`` for ``value`` (None when group_by leaves that kind out)."""
        if kind not in (self.get_option("group_by") or []):
            return None
        return safe_group_name((self.get_option("group_prefix") or "") + kind + "_", value)

    @staticmethod
    def device_vars(manifest, device):
        hostvars = {}
        if device.get("ip_address"):
            hostvars["ansible_host"] = device["ip_address"]
        hostvars.update({
            "hostname": device.get("hostname"),
            "device_id": device.get("id"),
            "serial_number": device.get("serial_number"),
            "mac_address": device.get("mac_address"),
            "device_type": device.get("device_type"),
            "status": device.get("status"),
            "config_template": device.get("config_template"),
            "manifest_id": manifest.get("id"),
            "manifest_name": manifest.get("name"),
            "manifest_status": manifest.get("status"),
            "site_id": manifest.get("site_id"),
        })
        return hostvars
