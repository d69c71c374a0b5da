# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name (plugins/action/site_apply.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: site_apply
short_description: Run one step of a ZTP site rollout, in bulk, for every device of the play
version_added: 0.2.0
description:
  - Runs on the controller, once for the whole play, reading the site and its connections from the
    play's variables as M(breakwater.ztp.site_plan) does. Where a module owns a write (M(breakwater.ztp.manifest),
    M(breakwater.ztp.serial), M(breakwater.ztp.fortiztp_script), M(breakwater.ztp.fortiztp_fortimanager),
    M(breakwater.ztp.fortiztp_device)), the step runs that module's own logic in-process, with the site's clients.
  - Given the O(plan) of M(breakwater.ztp.site_plan), it acts on the devices the plan names and makes no call when the plan has nothing for this step;
    without a plan it reads the site itself (the roles C(manifest), C(serials), C(configs) and
    C(fortiztp_provision) used on their own).
  - C(manifest) creates or updates the manifest (module M(breakwater.ztp.manifest)); C(serials)
    registers or replaces serials in bulk (module M(breakwater.ztp.serial)), also from
    C(serials_csv) or C(serials_csv_content); C(configs) generates the configs that are missing or
    stale, waits for them, and saves them under C(configs_dest); C(fortiztp) makes sure of the
    FortiManager target and script and provisions the Fortinet devices (or unprovisions them),
    then waits; C(deploy) deploys the manifest and waits until every device is online or failed.
  - "Every wait prints one line per poll with the counts, for example C(deployment: online 640/1000, deploying 360)."
author:
  - breakwater.ztp maintainers (@breakwater-ztp)
options:
  step:
    description: The step to run.
    type: str
    required: true
    choices: [manifest, serials, configs, fortiztp, deploy]
  plan:
    description:
      - The plan file written by M(breakwater.ztp.site_plan) (its RV(breakwater.ztp.site_plan#module:plan_file));
        the C(manifest) step adds the id of a manifest it creates. Without it the step reads the site and plans itself.
    type: path
  fortiztp_state:
    description: With O(step=fortiztp), provision the site's Fortinet devices or return them to unprovisioned.
    type: str
    choices: [provisioned, unprovisioned]
    default: provisioned
  save_all_configs:
    description: With O(step=configs), download every config, not only the generated and the missing ones.
    type: bool
    default: false
  wave:
    description:
      - With O(step=configs), O(step=fortiztp) or O(step=deploy), work on the devices of this wave of the plan only
        (numbered from 1; the plan's waves come from C(rollout_waves) or C(rollout_wave_size)). Without it, on every device.
      - With O(step=deploy), when the plan has a next wave, more than C(rollout_max_failures) devices of this wave not
        online fail the task (the next waves do not start); else it waits C(rollout_wave_pause) seconds.
    type: int
attributes:
  check_mode:
    support: full
    description: Makes no call and no write; reports C(changed) when the plan has work for this step, with the devices.
  diff_mode:
    support: full
    description: The devices this step would change, with the reason.
extends_documentation_fragment:
  - breakwater.ztp.attributes.SITE_PLUGIN
seealso:
  - module: breakwater.ztp.site_plan
  - module: breakwater.ztp.site_report
"""

EXAMPLES = r"""
- name: The serials are registered
  breakwater.ztp.site_apply:
    step: serials
    plan: "{{ rollout_plan.plan_file }}"
  run_once: true
  delegate_to: localhost

- name: Deploy the second wave of the plan
  breakwater.ztp.site_apply:
    step: deploy
    plan: "{{ rollout_plan.plan_file }}"
    wave: 2
  run_once: true
  delegate_to: localhost

- name: Build the configs of the play's devices on their own, for review
  breakwater.ztp.site_apply:
    step: configs
    save_all_configs: true
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
manifest:
  description: With O(step=manifest), the manifest as the service returns it.
  returned: when O(step=manifest) changed it
  type: dict
devices:
  description: Hostnames (or, for C(fortiztp), serial numbers) the step acted on or would act on.
  returned: when the step has devices
  type: list
  elements: str
generated:
  description: With O(step=configs), hostnames whose config was generated.
  returned: when O(step=configs)
  type: list
  elements: str
written:
  description: With O(step=configs), config files that were written or changed.
  returned: when O(step=configs)
  type: list
  elements: str
failed_devices:
  description: Devices that failed their config generation (C(configs)) or their deployment (C(deploy)), with the reason.
  returned: when O(step=configs) or O(step=deploy)
  type: list
  elements: dict
manifest_status:
  description: With O(step=deploy), the manifest's status when the deployment settled.
  returned: when O(step=deploy) deployed
  type: str
model_mismatches:
  description: With O(step=serials), the registered units whose detected model does not fit their device type.
  returned: when O(step=serials) registered units with a detected model
  type: list
  elements: str
api_calls:
  description: API calls the step made (the modules whose logic it runs in-process share its clients and count).
  returned: always
  type: int
"""
