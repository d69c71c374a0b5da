# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fortiztp_devices
short_description: FortiZTP devices as Ansible hosts
version_added: 0.1.0
description:
  - Makes every device of the FortiZTP account (FortiGate, FortiAP, FortiSwitch, FortiExtender)
    an Ansible host, grouped by provision status, provision target and device type.
  - Hosts are named after their serial number, unless O(hostname_expression) composes a name.
  - It costs one FortiZTP call (the device listing) and, when no shared token is valid, one
    FortiCloud login. FortiZTP allows 2,000 calls per hour. With O(cache=true) a cached run
    makes no call at all.
  - It logs in exactly as the FortiZTP modules do and shares their token cache (O(token_cache),
    O(token_cache_dir)), so refreshing the inventory in the middle of a run never invalidates
    the token of the modules.
  - The inventory file name must end in C(fortiztp.yml) or C(fortiztp.yaml), for example
    C(site.fortiztp.yml).
  - "Every host gets these variables, all starting with C(fortiztp_) so that a host of this
    inventory and a host of P(breakwater.ztp.devices#inventory) with the same name can be merged
    without one overwriting the other: C(fortiztp_serial_number), C(fortiztp_device_type),
    C(fortiztp_provision_status), C(fortiztp_provision_sub_status), C(fortiztp_provision_message),
    C(fortiztp_provision_target), C(fortiztp_region), C(fortiztp_external_controller_sn),
    C(fortiztp_external_controller_ip), C(fortiztp_platform), C(fortiztp_firmware_profile),
    C(fortiztp_fortimanager_oid), C(fortiztp_script_oid), C(fortiztp_use_default_script),
    C(fortiztp_provisioning_timestamp) and C(fortiztp_provisioning_complete_timestamp)
    (milliseconds). Fields the API leaves out or sets to C(null) are C(null)."
  - Every string from the API that could be a template (it holds C({{), C({%) or C({#), or starts
    with C(#jinja2:)) is marked unsafe, so it is never templated. Every other value is plain, so
    C(ansible-inventory --list --export) and an AWX inventory sync store plain values.
options:
  plugin:
    description:
      - Marks the file as an inventory source of this plugin.
    type: str
    required: true
    choices: [breakwater.ztp.fortiztp_devices]
  provision_status:
    description:
      - Only devices in one of these provision statuses. A single status is also sent to the
        server as a filter.
    type: list
    elements: str
    choices: [provisioned, unprovisioned, hidden, incomplete]
  device_types:
    description:
      - Only devices of these types, for example V(FortiGate). A single type is also sent to the
        server as a filter.
    type: list
    elements: str
  serial_numbers:
    description:
      - Only these serial numbers (sent to the server as one comma-separated filter).
    type: list
    elements: str
  hostname_expression:
    description:
      - A Jinja2 expression, like the values of O(compose), that gives the host name from the
        host's variables, for example V(fortiztp_serial_number | lower), or
        V(ztp_names[fortiztp_serial_number] | default(fortiztp_serial_number)) with
        O(use_extra_vars=true) and a mapping of serial numbers to names in the extra vars.
      - An expression that does not parse fails the inventory, with the reason, before any API call.
      - When it fails for a host (an undefined variable, for example) or gives an empty name, the host is
        named after its serial number (with O(strict=true) a failure fails the inventory).
      - When two devices get the same name, the second one is added as C(<name>_<serial>), with a warning.
    type: str
  group_by:
    description:
      - "Which groups to create. Group names are the O(group_prefix), the kind and the value,
        lower-cased, with every run of characters other than letters, digits and C(_) turned into
        one C(_): V(provision_status) gives C(fortiztp_provision_status_unprovisioned),
        V(provision_target) gives C(fortiztp_provision_target_fortimanager) (no group for a device
        without a target) and V(device_type) gives C(fortiztp_device_type_fortigate)."
    type: list
    elements: str
    choices: [provision_status, provision_target, device_type]
    default: [provision_status, provision_target, device_type]
  group_prefix:
    description:
      - Prepended to the name of every group of O(group_by).
    type: str
    default: fortiztp_
extends_documentation_fragment:
  - breakwater.ztp.fortiztp.inventory
  - breakwater.ztp.transport
  - constructed
  - inventory_cache
notes:
  - The connection options and their environment variables are the same as the FortiZTP
    modules'. Give either O(api_id) and O(password), or O(access_token).
  - The cache (O(cache)) holds the raw device listing, never a password or token; its key includes
    the base URL, the API user and the filters. The OAuth token is shared through O(token_cache_dir),
    which has nothing to do with O(cache).
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
# site.fortiztp.yml: every FortiZTP device; credentials from the environment
# (FORTIZTP_API_ID, FORTIZTP_PASSWORD), the same as the FortiZTP modules use.
plugin: breakwater.ztp.fortiztp_devices

---
# fortigates.fortiztp.yml: unprovisioned FortiGates, named in lower case, with a group of
# the FortiGates of one site picked by serial prefix.
plugin: breakwater.ztp.fortiztp_devices
provision_status: [unprovisioned]
device_types: [FortiGate]
hostname_expression: fortiztp_serial_number | lower
groups:
  site_456_fortigates: fortiztp_serial_number.startswith('FGT60FTK2000')

---
# named.fortiztp.yml: the names the Breakwater manifest uses, from extra vars
# (-e @ztp_names.yml, a mapping of serial numbers to hostnames).
plugin: breakwater.ztp.fortiztp_devices
use_extra_vars: true
hostname_expression: ztp_names[fortiztp_serial_number] | default(fortiztp_serial_number)
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/breakwater.ztp/inventory
cache_timeout: 600
"""

from ansible.errors import AnsibleError, AnsibleParserError

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FORTIZTP_ARGUMENT_SPEC, FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import DEVICE_HOSTVARS
from ansible_collections.breakwater.ztp.plugins.plugin_utils.inventory import DeviceInventory, expression_problem, safe_group_name


class InventoryModule(DeviceInventory):

    NAME = "breakwater.ztp.fortiztp_devices"
    FILE_SUFFIXES = ("fortiztp.yml", "fortiztp.yaml")

    def check_options(self):
        # The modules' required_one_of and required_together, with the plugin's wording.
        if not (self.get_option("api_id") or self.get_option("access_token")):
            raise AnsibleParserError("%s: give api_id and password (or FORTIZTP_API_ID and FORTIZTP_PASSWORD), "
                                     "or access_token (or FORTIZTP_ACCESS_TOKEN)" % self.NAME)
        if self.get_option("api_id") and not self.get_option("password") and not self.get_option("access_token"):
            raise AnsibleParserError("%s: api_id needs password (or FORTIZTP_PASSWORD)" % self.NAME)
        expression = self.get_option("hostname_expression")
        problem = expression_problem(expression) if expression else None
        if problem:
            # Every host would otherwise be named after its serial, and plays would target nothing.
            raise AnsibleParserError("%s: hostname_expression %r does not parse: %s" % (self.NAME, expression, problem))

    def cache_identity(self):
        return {
            "base_url": self.get_option("base_url"),
            "api_id": self.get_option("api_id"),
            "provision_status": self.get_option("provision_status"),
            "device_types": self.get_option("device_types"),
            "serial_numbers": self.get_option("serial_numbers"),
        }

    def fetch_payload(self):
        """One device listing, with the filters the server can apply; the answer as it came."""
        params = dict((k, self.get_option(k)) for k in FORTIZTP_ARGUMENT_SPEC)
        client = FortiZTPClient.from_params(params)
        statuses = self.get_option("provision_status") or []
        types = self.get_option("device_types") or []
        devices = client.list_devices(provision_status=statuses[0] if len(statuses) == 1 else None,
                                      device_type=types[0] if len(types) == 1 else None,
                                      serials=self.get_option("serial_numbers") or None)
        self.display.vvv("%s: %d devices, %d API calls" % (self.NAME, len(devices), client.calls))
        return {"devices": devices}

    def populate(self, payload):
        # The server may not honour every filter, so they are applied here too.
        statuses = self.get_option("provision_status") or []
        types = self.get_option("device_types") or []
        serials = set(s.strip().upper() for s in self.get_option("serial_numbers") or [])
        group_by = self.get_option("group_by") or []
        prefix = self.get_option("group_prefix") or ""
        for device in payload.get("devices") or []:
            if not isinstance(device, dict) or not device.get("deviceSN"):
                continue
            serial = device["deviceSN"]
            if ((statuses and device.get("provisionStatus") not in statuses)
                    or (types and device.get("deviceType") not in types)
                    or (serials and serial.upper() not in serials)):
                continue
            hostvars = dict((var, device.get(field)) for field, var in DEVICE_HOSTVARS)
            groups = [
                safe_group_name(prefix + "provision_status_", device.get("provisionStatus"))
                if "provision_status" in group_by else None,
                safe_group_name(prefix + "provision_target_", device.get("provisionTarget"))
                if "provision_target" in group_by else None,
                safe_group_name(prefix + "device_type_", device.get("deviceType")) if "device_type" in group_by else None,
            ]
            self.add_device(self.host_name(serial, hostvars), serial, hostvars, groups)

    def host_name(self, serial, hostvars):
        expression = self.get_option("hostname_expression")
        if not expression:
            return serial
        try:
            name = self._compose(expression, hostvars)
        except Exception as exc:
            if self.get_option("strict"):
                raise AnsibleError("%s: hostname_expression failed for %s: %s" % (self.NAME, serial, exc))
            self.display.warning("%s: hostname_expression failed for %s, named after its serial: %s"
                                 % (self.NAME, serial, exc))
            return serial
        if name is None or not str(name).strip():
            return serial
        return str(name).strip()
