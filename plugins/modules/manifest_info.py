#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: manifest_info
short_description: List Breakwater ZTP manifests, or read one with its devices
version_added: 0.1.0
description:
  - Without O(id), lists the manifests matching the filters, reading every page.
  - With O(id), returns that manifest with its devices and its cable schedule summary; fails with
    C(MANIFEST_NOT_FOUND) when it does not exist.
options:
  id:
    description:
      - ID of one manifest to read with its devices. The filters are ignored.
    type: str
  site_id:
    description:
      - Only the manifests of this site.
    type: str
  status:
    description:
      - Only the manifests in this status.
    type: str
    choices: [draft, ready, deploying, deployed]
  name:
    description:
      - Only the manifests with exactly this name (filtered by the module; the API has no name filter).
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
- name: Ready manifests of site_456
  breakwater.ztp.manifest_info:
    site_id: site_456
    status: ready
  register: ready_manifests

- name: One manifest with its devices
  breakwater.ztp.manifest_info:
    id: manifest_123
  register: floor_a

- name: Hostnames still waiting for a serial number
  ansible.builtin.debug:
    msg: "{{ floor_a.manifest.devices | selectattr('status', 'eq', 'pending') | map(attribute='hostname') }}"
"""

RETURN = r"""
manifests:
  description: The matching manifests (with O(id), a list of that one, including its devices).
  returned: always
  type: list
  elements: dict
  sample:
    - id: manifest_123
      name: Production Floor A
      site_id: site_456
      status: ready
      device_count: 7
      topology_source: helm_topology_789
manifest:
  description: With O(id), the manifest with its C(devices) and its C(cable_schedule) summary.
  returned: when O(id) is given
  type: dict
  sample:
    id: manifest_123
    status: ready
    devices:
      - id: device_001
        hostname: fw-prod-01
        device_type: fortigate_60f
        serial_number: FGT60FTK23000001
        status: serial_registered
    cable_schedule:
      connections: 7
      download_url: /api/v1/ztp/manifests/manifest_123/cable-schedule.pdf
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import MANIFEST_STATUSES


def collect(client, params):
    if params["id"]:
        manifest = client.get_manifest(params["id"])
        return {"manifests": [manifest], "manifest": manifest}
    manifests = client.list_manifests(site_id=params["site_id"], status=params["status"])
    if params["name"] is not None:
        manifests = [m for m in manifests if m.get("name") == params["name"]]
    return {"manifests": manifests}


def main():
    run_info_module(
        "breakwater", collect,
        id=dict(type="str"),
        site_id=dict(type="str"),
        status=dict(type="str", choices=list(MANIFEST_STATUSES)),
        name=dict(type="str")
    )


if __name__ == "__main__":
    main()
