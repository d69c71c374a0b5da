#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: device_info
short_description: List Breakwater ZTP devices
version_added: 0.1.0
description:
  - Lists the devices matching the documented filters, across every page.
options:
  manifest_id:
    description:
      - Only the devices of this manifest.
      - The same name in every module that takes the ID of a manifest to work on (the manifest modules
        call their own ID O(breakwater.ztp.manifest#module:id)); C(manifest) is an alias.
    type: str
    aliases: [manifest]
  status:
    description:
      - Only the devices in this status.
    type: str
    choices: [pending, serial_registered, config_generated, deploying, online, config_failed, failed]
  device_type:
    description:
      - Only the devices of this type, for example C(cisco_ie3300) or C(fortigate_60f).
    type: str
  search:
    description:
      - Only the devices whose hostname, MAC address or serial number contains this text (case-insensitive).
    type: str
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Switches of Production Floor A whose config generation failed
  breakwater.ztp.device_info:
    manifest_id: manifest_123
    device_type: cisco_ie3300
    status: config_failed
  register: failed_switches

- name: Which device holds this serial?
  breakwater.ztp.device_info:
    search: FDO2301B001
"""

RETURN = r"""
devices:
  description: The matching devices.
  returned: always
  type: list
  elements: dict
  sample:
    - id: device_002
      manifest_id: manifest_123
      hostname: sw-prod-01
      device_type: cisco_ie3300
      mac_address: "00:1A:2B:3C:4D:02"
      serial_number: FDO2301B001
      ip_address: 192.168.1.11
      status: serial_registered
      last_seen: null
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import DEVICE_STATUSES


def collect(client, params):
    return {"devices": client.list_devices(manifest_id=params["manifest_id"], status=params["status"],
                                           device_type=params["device_type"], search=params["search"])}


def main():
    run_info_module(
        "breakwater", collect,
        manifest_id=dict(type="str", aliases=["manifest"]),
        status=dict(type="str", choices=list(DEVICE_STATUSES)),
        device_type=dict(type="str"),
        search=dict(type="str")
    )


if __name__ == "__main__":
    main()
