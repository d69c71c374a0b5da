#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_script_info
short_description: List FortiZTP pre-run CLI scripts
version_added: 0.1.0
description:
  - Lists the pre-run CLI scripts of FortiZTP (one call), optionally with their content
    (one more call per script).
options:
  name:
    description:
      - Only the script with this name.
    type: str
  oid:
    description:
      - Only the script with this oid.
    type: int
  with_content:
    description:
      - Also read the content of each script listed.
    type: bool
    default: false
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: All scripts
  breakwater.ztp.fortiztp_script_info:
  register: scripts

- name: One script with its content
  breakwater.ztp.fortiztp_script_info:
    name: baseline-prerun
    with_content: true
  register: baseline
"""

RETURN = r"""
scripts:
  description: The matching scripts; C(content) only with O(with_content=true).
  returned: always
  type: list
  elements: dict
  sample: [{oid: 1, name: baseline-prerun, updateTime: 1767261600000, content: "config system global\n..."}]
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import as_oid
from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def collect(client, params):
    scripts = []
    for script in client.list_scripts():
        if not isinstance(script, dict):
            continue
        if params["name"] is not None and script.get("name") != params["name"]:
            continue
        if params["oid"] is not None and as_oid(script.get("oid")) != params["oid"]:
            continue
        script = dict(script)
        if params["with_content"]:
            script["content"] = client.get_script_content(script["oid"])
        scripts.append(script)
    return {"scripts": scripts}


def main():
    run_info_module(
        "fortiztp", collect,
        name=dict(type="str"),
        oid=dict(type="int"),
        with_content=dict(type="bool", default=False)
    )


if __name__ == "__main__":
    main()
