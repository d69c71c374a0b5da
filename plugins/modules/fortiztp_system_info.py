#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_system_info
short_description: Read the service status of FortiZTP
version_added: 0.1.0
description:
  - Reads FortiZTP's service status (C(GET /system)), in one call; useful as a gate before a
    rollout and to check the credentials.
options: {}
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Stop when FortiZTP is not operational
  breakwater.ztp.fortiztp_system_info:
  register: fortiztp
  failed_when: not fortiztp.operational
"""

RETURN = r"""
system:
  description: The service status as FortiZTP reports it; fields it leaves out are null.
  returned: always
  type: dict
  sample: {serviceName: FortiZTP, serviceRegion: global, serviceStatus: Operational, serverTime: "2026-03-01T09:41:00Z"}
operational:
  description: Whether C(serviceStatus) is C(Operational).
  returned: always
  type: bool
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module

SYSTEM_FIELDS = ("serviceName", "serviceRegion", "serviceStatus", "serverTime")


def collect(client, params):
    answer = client.get_system()
    system = dict.fromkeys(SYSTEM_FIELDS)
    if isinstance(answer, dict):
        # Tolerate a wrapped answer too ({"data": {...}}).
        system.update(answer["data"] if isinstance(answer.get("data"), dict) else answer)
    return {"system": system, "operational": system.get("serviceStatus") == "Operational"}


def main():
    run_info_module("fortiztp", collect)


if __name__ == "__main__":
    main()
