#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: config_info
short_description: Read a device's generated Breakwater ZTP configuration
version_added: 0.1.0
description:
  - Returns the configuration generated for one device, as text or as structured data.
  - Fails with C(CONFIG_NOT_GENERATED) while the device has no generated configuration, and with
    C(DEVICE_NOT_FOUND) for an unknown device.
  - To save the configs of a whole manifest to files, use M(breakwater.ztp.config) with
    O(breakwater.ztp.config#module:dest).
options:
  device_id:
    description:
      - ID of the device.
    type: str
    required: true
  format:
    description:
      - V(text) returns the rendered configuration, V(json) the same configuration as structured data.
    type: str
    choices: [text, json]
    default: text
extends_documentation_fragment:
  - breakwater.ztp.breakwater
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Read the config of sw-prod-01
  breakwater.ztp.config_info:
    device_id: device_002
  register: sw_config

- name: Show it
  ansible.builtin.debug:
    msg: "{{ sw_config.config.content }}"
"""

RETURN = r"""
config:
  description: The configuration as the API returns it.
  returned: always
  type: dict
  contains:
    device_id:
      description: ID of the device.
      type: str
    config_generated_at:
      description: When the configuration was generated.
      type: str
    format:
      description: V(text) or V(json).
      type: str
    content:
      description: The configuration, a string with O(format=text) and structured data with O(format=json).
      type: raw
    template_used:
      description: ID of the template it was rendered from.
      type: str
    size_bytes:
      description: Size of the text configuration.
      type: int
  sample:
    device_id: device_002
    config_generated_at: "2024-01-21T11:10:00Z"
    format: text
    content: "!\n! Cisco IE-3300 Configuration\n!\nhostname sw-prod-01\n"
    template_used: template_switch_basic
    size_bytes: 2048
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def collect(client, params):
    return {"config": client.get_device_config(params["device_id"], format=params["format"]) or {}}


def main():
    run_info_module(
        "breakwater", collect,
        device_id=dict(type="str", required=True),
        format=dict(type="str", choices=["text", "json"], default="text")
    )


if __name__ == "__main__":
    main()
