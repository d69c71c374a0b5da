#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: status_info
short_description: Read the Breakwater ZTP system status
version_added: 0.1.0
description:
  - Returns the ZTP service's status, active deployments, queue depth, 24 hour success rate and
    mean deployment time. The endpoint takes no filters.
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Read the ZTP status
  breakwater.ztp.status_info:
  register: ztp

- name: Do not start a rollout while the service is degraded
  ansible.builtin.assert:
    that: ztp.status.system_status == 'operational'
"""

RETURN = r"""
status:
  description: The system status as the API returns it.
  returned: always
  type: dict
  sample:
    system_status: operational
    active_deployments: 3
    queue_depth: 12
    success_rate_24h: 97.5
    average_deployment_time: "00:08:30"
    last_deployment: "2024-01-21T10:45:00Z"
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def collect(client, params):
    return {"status": client.get_status() or {}}


def main():
    run_info_module("breakwater", collect)


if __name__ == "__main__":
    main()
