#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: fortiztp_firmware_profile_info
short_description: List the FortiGate Cloud firmware profiles a device can use
version_added: 0.1.0
description:
  - Lists the firmware profiles of a region that a device can be provisioned with
    (O(breakwater.ztp.fortiztp_device#module:firmware_profile)), in one call.
  - Fortinet does not document the shape of the answer; the module accepts a list of names
    or of objects, under C(data), C(firmwareProfiles) or C(profiles), or a bare list.
options:
  serial:
    description:
      - Serial number of the device.
    type: str
    required: true
  region:
    description:
      - Region of FortiGate Cloud. The choices are the regions FortiZTP lists as available to a device
        (its C(region) field before provisioning).
    type: str
    required: true
    choices: [global, europe, JP, US]
extends_documentation_fragment:
  - breakwater.ztp.fortiztp
  - breakwater.ztp.transport
  - breakwater.ztp.attributes
  - breakwater.ztp.attributes.info_module
author:
  - breakwater.ztp maintainers (@breakwater)
"""

EXAMPLES = r"""
- name: Firmware profiles for a FortiGate in the global region
  breakwater.ztp.fortiztp_firmware_profile_info:
    serial: FGT60FTK20000001
    region: global
  register: profiles
"""

RETURN = r"""
firmware_profiles:
  description: The profiles as FortiZTP lists them (names, or objects when FortiZTP answers objects).
  returned: always
  type: list
  elements: raw
  sample: [global-7.2-mature, global-7.4-feature]
names:
  description: The profile names, usable as O(breakwater.ztp.fortiztp_device#module:firmware_profile).
  returned: always
  type: list
  elements: str
api_calls:
  description: Number of API calls the task made.
  returned: always
  type: int
"""

from ansible_collections.breakwater.ztp.plugins.module_utils.info import run_info_module


def profile_name(profile):
    if isinstance(profile, dict):
        for key in ("name", "profileName", "firmwareProfile"):
            if profile.get(key):
                return str(profile[key])
        return None
    return str(profile) if profile is not None else None


def collect(client, params):
    # serial is checked by the rule of every id (inputs.check_ids), region by its choices.
    profiles = client.get_firmware_profiles(params["serial"], params["region"])
    names = [n for n in (profile_name(p) for p in profiles) if n]
    return {"firmware_profiles": profiles, "names": names}


def main():
    run_info_module(
        "fortiztp", collect,
        serial=dict(type="str", required=True),
        region=dict(type="str", required=True, choices=["global", "europe", "JP", "US"])
    )


if __name__ == "__main__":
    main()
