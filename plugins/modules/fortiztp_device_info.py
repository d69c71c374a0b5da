#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_device_info
short_description: List FortiZTP devices and their provisioning status
version_added: 0.1.0
description:
  - Lists the devices of the FortiCloud account as FortiZTP sees them, with their
    provisioning status, sub-status and target, in one call.
  - O(serials), O(provision_status) and O(device_type) are sent to FortiZTP as filters and
    applied again to the answer, so a server that ignores a filter still gives the right list.
    O(provision_target) is applied to the answer only.
options:
  serials:
    description:
      - Only these serial numbers. Serials FortiZTP does not know are returned in
        RV(unknown_serials); the task does not fail.
      - A very long list is not sent as a filter; the module then lists every device (still
        one call) and keeps these.
    type: list
    elements: str
  provision_status:
    description:
      - Only devices in this provisioning status.
    type: str
    choices: [provisioned, unprovisioned, hidden, incomplete]
  device_type:
    description:
      - Only devices of this type.
    type: str
    choices: [FortiGate, FortiAP, FortiSwitch, FortiExtender]
  provision_target:
    description:
      - Only devices provisioned to this target, for example V(FortiManager).
    type: str
  use_cache:
    description:
      - Let FortiZTP answer from its cache (C(useCache)). Left unset, FortiZTP decides.
    type: bool
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Every FortiGate still waiting for provisioning
  breakwater.ztp.fortiztp_device_info:
    device_type: FortiGate
    provision_status: unprovisioned
  register: spare_fortigates

- name: Status of the site's devices
  breakwater.ztp.fortiztp_device_info:
    serials: [FGT60FTK20000001, FP231FTF20000001]
  register: site_devices
"""

RETURN = r"""
devices:
  description: The matching devices, as FortiZTP reports them; fields FortiZTP leaves out are null.
  returned: always
  type: list
  elements: dict
  sample:
    - deviceSN: FGT60FTK20000001
      deviceType: FortiGate
      provisionStatus: provisioned
      provisionSubStatus: null
      provisionTarget: FortiManager
      fortiManagerOid: 1
      externalControllerSn: FMG-VM0000000001
      externalControllerIp: 10.0.0.10
      region: null
      platform: null
      firmwareProfile: null
      scriptOid: null
      useDefaultScript: null
      message: null
      provisioningTimestamp: 1767261600000
      provisioningCompleteTimestamp: 1767261780000
unknown_serials:
  description:
    - The serial numbers of O(serials) FortiZTP does not know.
    - Empty when another filter is set, since a device it leaves out may simply not match.
  returned: always
  type: list
  elements: str
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import DEVICE_FIELDS
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_provisioning import serial_filter
from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def collect(client, params):
    serials = [s.strip() for s in params["serials"] or [] if s and s.strip()] if params["serials"] is not None else None
    records = client.list_devices(provision_status=params["provision_status"], device_type=params["device_type"],
                                  serials=serial_filter(serials) if serials else None, use_cache=params["use_cache"])
    wanted = {
        "deviceSN": set(serials) if serials is not None else None,
        "provisionStatus": {params["provision_status"]} if params["provision_status"] else None,
        "deviceType": {params["device_type"]} if params["device_type"] else None,
        "provisionTarget": {params["provision_target"]} if params["provision_target"] else None,
    }
    devices = []
    for record in records:
        if not isinstance(record, dict) or not record.get("deviceSN"):
            continue
        if all(values is None or record.get(field) in values for field, values in wanted.items()):
            device = dict.fromkeys(DEVICE_FIELDS)
            device.update(record)
            devices.append(device)
    found = set(d["deviceSN"] for d in devices)
    unknown = [s for s in serials or [] if s not in found] if not (params["provision_status"] or params["device_type"]
                                                                   or params["provision_target"]) else []
    return {"devices": devices, "unknown_serials": unknown}


def main():
    run_info_module(
        "fortiztp", collect,
        serials=dict(type="list", elements="str"),
        provision_status=dict(type="str", choices=["provisioned", "unprovisioned", "hidden", "incomplete"]),
        device_type=dict(type="str", choices=["FortiGate", "FortiAP", "FortiSwitch", "FortiExtender"]),
        provision_target=dict(type="str"),
        use_cache=dict(type="bool")
    )


if __name__ == "__main__":
    main()
