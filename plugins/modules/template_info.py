#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: template_info
short_description: List Breakwater ZTP configuration templates
version_added: 0.1.0
description:
  - Lists the configuration templates matching the documented filters, with their typed variables.
options:
  device_type:
    description:
      - Only the templates for this device type, for example C(cisco_ie3300).
    type: str
  category:
    description:
      - Only the templates of this category, for example C(network_switch).
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
- name: Templates for the Cisco IE-3300
  breakwater.ztp.template_info:
    device_type: cisco_ie3300
  register: switch_templates

- name: Required variables of each
  ansible.builtin.debug:
    msg: "{{ item.id }}: {{ item.variables | selectattr('required') | map(attribute='name') | list }}"
  loop: "{{ switch_templates.templates }}"
"""

RETURN = r"""
templates:
  description: The matching templates.
  returned: always
  type: list
  elements: dict
  sample:
    - id: template_switch_basic
      name: Cisco IE Basic Switch Config
      device_type: cisco_ie3300
      category: network_switch
      version: "1.2"
      variables:
        - {name: hostname, type: string, required: true}
        - {name: vlan_list, type: array, required: false}
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def collect(client, params):
    return {"templates": client.list_templates(device_type=params["device_type"], category=params["category"])}


def main():
    run_info_module(
        "breakwater", collect,
        device_type=dict(type="str"),
        category=dict(type="str")
    )


if __name__ == "__main__":
    main()
