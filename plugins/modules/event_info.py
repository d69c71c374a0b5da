#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: event_info
short_description: List Breakwater ZTP deployment events
version_added: 0.1.0
description:
  - Lists the deployment events matching the documented filters, oldest first, across every page.
options:
  manifest_id:
    description:
      - Only the events of this manifest.
      - The same name in every module that takes the ID of a manifest to work on (the manifest modules
        call their own ID O(breakwater.ztp.manifest#module:id)); C(manifest) is an alias.
    type: str
    aliases: [manifest]
  device_id:
    description:
      - Only the events of this device.
    type: str
  event_type:
    description:
      - Only the events of this type, for example C(manifest_created), C(manifest_updated),
        C(manifest_deleted), C(serial_registered), C(serial_replaced), C(config_generated),
        C(config_failed), C(deployment_started), C(device_online), C(device_failed),
        C(deployment_completed) or C(deployment_failed).
    type: str
  start_date:
    description:
      - Only the events at or after this ISO 8601 date or date-time, for example C(2024-01-21T11:00:00Z).
    type: str
  end_date:
    description:
      - Only the events at or before this ISO 8601 date or date-time.
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
- name: Why did config generation fail on Production Floor A?
  breakwater.ztp.event_info:
    manifest_id: manifest_123
    event_type: config_failed
  register: failures

- name: Everything that happened to one device on a given day
  breakwater.ztp.event_info:
    device_id: device_001
    start_date: "2024-01-21T00:00:00Z"
    end_date: "2024-01-21T23:59:59Z"
"""

RETURN = r"""
events:
  description: The matching events, oldest first.
  returned: always
  type: list
  elements: dict
  sample:
    - id: event_123
      timestamp: "2024-01-21T11:00:00Z"
      event_type: serial_registered
      device_id: device_001
      manifest_id: manifest_123
      details:
        serial_number: FDO123456789
        operator_id: user_456
        verification_method: barcode_scan
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import check_iso_date, run_info_module


def collect(client, params):
    check_iso_date("start_date", params["start_date"])
    check_iso_date("end_date", params["end_date"])
    return {"events": client.list_events(manifest_id=params["manifest_id"], device_id=params["device_id"],
                                         event_type=params["event_type"], start_date=params["start_date"],
                                         end_date=params["end_date"])}


def main():
    run_info_module(
        "breakwater", collect,
        manifest_id=dict(type="str", aliases=["manifest"]),
        device_id=dict(type="str"),
        event_type=dict(type="str"),
        start_date=dict(type="str"),
        end_date=dict(type="str")
    )


if __name__ == "__main__":
    main()
