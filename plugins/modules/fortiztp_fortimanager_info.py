#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_fortimanager_info
short_description: List the FortiManager settings of FortiZTP
version_added: 0.1.0
description:
  - Lists the FortiManager settings devices can be provisioned to, in one call.
  - Each setting also comes with its HA members split into lists (RV(fortimanagers[].sn_list),
    RV(fortimanagers[].ip_list)).
options:
  sn:
    description:
      - Only the setting holding this FortiManager serial number (any HA member).
    type: str
  oid:
    description:
      - Only the setting with this oid.
    type: int
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: All FortiManager settings
  breakwater.ztp.fortiztp_fortimanager_info:
  register: fortimanagers

- name: The oid of the site's FortiManager
  breakwater.ztp.fortiztp_fortimanager_info:
    sn: FMG-VM0000000001
  register: fmg
"""

RETURN = r"""
fortimanagers:
  description: The matching FortiManager settings.
  returned: always
  type: list
  elements: dict
  contains:
    oid:
      description: ID of the setting, usable as O(breakwater.ztp.fortiztp_device#module:fortimanager).
      type: int
    sn:
      description: Serial numbers as FortiZTP holds them, comma-separated for HA.
      type: str
    ip:
      description: Addresses as FortiZTP holds them, comma-separated for HA.
      type: str
    scriptOid:
      description: oid of the pre-run script of the setting, or null.
      type: int
    sn_list:
      description: The serial numbers as a list.
      type: list
      elements: str
    ip_list:
      description: The addresses as a list.
      type: list
      elements: str
  sample: [{oid: 1, sn: FMG-VM0000000001, ip: 10.0.0.10, scriptOid: 1, updateTime: 1767261600000,
            sn_list: [FMG-VM0000000001], ip_list: [10.0.0.10]}]
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import as_oid, split_list
from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def collect(client, params):
    found = []
    for setting in client.list_fortimanagers():
        if not isinstance(setting, dict):
            continue
        serials = split_list(setting.get("sn"))
        if params["sn"] is not None and params["sn"].strip() not in serials:
            continue
        if params["oid"] is not None and as_oid(setting.get("oid")) != params["oid"]:
            continue
        found.append(dict(setting, sn_list=serials, ip_list=split_list(setting.get("ip"))))
    return {"fortimanagers": found}


def main():
    run_info_module(
        "fortiztp", collect,
        sn=dict(type="str"),
        oid=dict(type="int")
    )


if __name__ == "__main__":
    main()
