# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name (plugins/action/site_plan.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: site_plan
short_description: Read a ZTP site, check every rule before any write, and plan its rollout
version_added: 0.2.0
description:
  - Runs on the controller, once for the whole play. The site comes from the play's variables
    (C(ztp_site_id), C(ztp_manifest_name), C(ztp_config_templates), C(ztp_fortimanager_sn), ...)
    and its devices from the play's hosts (host vars C(serial_number) and C(device_type)); the
    connections from C(breakwater_<option>) and C(fortiztp_<option>) variables or the modules'
    environment variables. The role C(breakwater.ztp.rollout) documents every variable.
  - Checks the inventory first, without any call (every host has a well-formed, unique serial and a
    device type), then reads the templates, the manifest (by site and name; two manifests with that
    name is an error), and FortiZTP's records of the Fortinet devices, and checks that every device
    type has a template, an existing manifest is not being deployed, knows every host and holds
    their serials (unless C(serials_replace=true)), and FortiZTP knows every Fortinet device.
  - Names the manifest's devices the play does not hold (C(not_in_run) in the plan file, and a warning); the run
    leaves them as they are and its report says C(partial). With C(rollout_require_whole_site=true) such a run is
    refused before any write.
  - Returns the plan, per device, of what a rollout does (register or replace the serial, generate
    or regenerate the config, provision in FortiZTP, deploy), with the reason, and cuts the devices
    into waves (C(rollout_waves) or C(rollout_wave_size); one wave without them). A device in no
    wave, or C(rollout_wave) outside the waves, is refused before any call.
author:
  - breakwater.ztp maintainers (@breakwater-ztp)
options: {}
attributes:
  check_mode:
    support: full
    description: The same reads in check mode; the task then reports C(changed) when a real rollout would change the site.
  diff_mode:
    support: full
    description: The plan as text, one line per device.
notes:
  - Makes no write. It reads the Breakwater templates, manifests and manifest (2-3 calls) and, when the
    site has Fortinet devices, FortiZTP's devices, FortiManager targets and scripts (3 calls and a login).
extends_documentation_fragment:
  - breakwater.ztp.attributes.SITE_PLUGIN
seealso:
  - module: breakwater.ztp.site_apply
  - module: breakwater.ztp.site_report
"""

EXAMPLES = r"""
- name: Plan the rollout of the play's site
  breakwater.ztp.site_plan:
  run_once: true
  delegate_to: localhost
  register: rollout_plan
"""

RETURN = r"""
plan_file:
  description:
    - The plan, written to C(rollout-plan.json) in the report folder (C(rollout_report_dir)); give it to
      M(breakwater.ztp.site_apply) and M(breakwater.ztp.site_report). Per device C(hostname), C(device_type),
      C(serial_number), C(id), C(status), C(wave), C(actions) (register or replace the serial, generate or
      regenerate the config, provision in FortiZTP, deploy) and C(reason); the manifest and its action; the waves.
  returned: success
  type: str
manifest:
  description: The manifest (C(id) is null for a new one), its C(status) and its C(action) (C(create), C(update) or null).
  returned: success
  type: dict
counts:
  description: Devices per planned action.
  returned: success
  type: dict
  sample: {"register_serial": 7, "generate_config": 7, "provision_fortiztp": 3, "deploy": 7}
waves:
  description: The numbers of the waves this run rolls out, in order (C([1]) without waves; the one of C(rollout_wave)).
  returned: success
  type: list
  elements: int
problems:
  description: Every reason the rollout cannot start, each naming the host or setting, the field and the value.
  returned: failure
  type: list
  elements: str
api_calls:
  description: API calls made.
  returned: always
  type: int
"""
