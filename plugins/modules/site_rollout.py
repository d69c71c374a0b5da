# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name (plugins/action/site_rollout.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: site_rollout
short_description: Roll out a ZTP site end to end in one task, and write its report
version_added: 0.2.0
description:
  - The task of the role C(breakwater.ztp.rollout) and of the playbook C(breakwater.ztp.site_rollout). It runs on the
    controller, once for the whole site, reading the site and its connections from the play's variables as
    M(breakwater.ztp.site_plan) does. The role documents every variable.
  - It runs, in this order and in one process, M(breakwater.ztp.site_plan); M(breakwater.ztp.site_apply) with
    C(step=manifest), then C(step=serials); for each wave of the plan C(step=configs), C(step=fortiztp) and
    C(step=deploy) (a failed wave stops the next); and, whatever happened, M(breakwater.ztp.site_report), which
    releases the site's lease. Each step prints a line (C(ok), C(changed) or C(failed)), and every wait one line
    per poll.
  - One task per site instead of one per step, because with many sites at once (a play over sites, C(--forks 20))
    Ansible's cost per task (a worker process, the host's variables) was most of the run's time.
  - The task fails unless every device the run rolled out is online (RV(failure)); the report is written first.
    A step that failed is named in the report's error, followed by its message, for example
    C(Deploy, and wait until every device is online or failed) and the devices that failed.
  - Use the three plugins as tasks of your own to put something between the steps (a review of the configs
    before deploying, for example); the step playbooks (C(breakwater.ztp.build_configs), ...) do so.
author:
  - breakwater.ztp maintainers (@breakwater-ztp)
options: {}
attributes:
  check_mode:
    support: full
    description:
      - The plan's reads only, no write to the APIs; reports C(changed) when a real rollout would change the site.
      - Writes the report as the plan (each device with its planned actions), as a real run does.
  diff_mode:
    support: full
    description: The plan, one line per device, and each step's devices with the reason.
extends_documentation_fragment:
  - breakwater.ztp.attributes.SITE_PLUGIN
seealso:
  - module: breakwater.ztp.site_plan
  - module: breakwater.ztp.site_apply
  - module: breakwater.ztp.site_report
"""

EXAMPLES = r"""
- name: Roll out the play's site (its devices are the play's hosts) and write its report
  breakwater.ztp.site_rollout:
  run_once: true
  delegate_to: localhost
  register: rollout_report

- name: Say where the report is
  ansible.builtin.debug:
    msg: "{{ rollout_report.summary }} Report: {{ rollout_report.report_html }}"
"""

RETURN = r"""
steps:
  description:
    - The steps that ran, in order, each with C(step) (C(plan), C(manifest), C(serials), C(configs), C(fortiztp),
      C(deploy)), C(name), C(wave) (null for the site's own steps), C(changed), C(failed), C(seconds) and
      C(api_calls). The step that failed, if any, is the last.
  returned: always
  type: list
  elements: dict
  sample:
    - {step: plan, name: "Plan the rollout (reads and checks everything, writes nothing)", wave: null,
       changed: false, failed: false, seconds: 0.21, api_calls: 4}
plan_file:
  description: The plan (C(rollout-plan.json) beside the report), as M(breakwater.ztp.site_plan) returns it.
  returned: when the plan was made
  type: str
manifest:
  description: The manifest as planned (C(id) is null for a new one), its C(status) and its C(action).
  returned: when the plan was made
  type: dict
counts:
  description: Devices per planned action.
  returned: when the plan was made
  type: dict
waves:
  description: The waves the run rolled out (numbers).
  returned: when the plan was made
  type: list
  elements: int
held_by:
  description: The run that holds the site (see M(breakwater.ztp.site_plan)); this run wrote nothing.
  returned: when another run holds the site
  type: dict
api_calls:
  description: The calls the steps and the report made.
  returned: always
  type: int
report_json:
  description: Path of the JSON report.
  returned: when the report was written
  type: str
report_html:
  description: Path of the HTML report.
  returned: when the report was written
  type: str
scan_sheet_html:
  description: Path of the scan sheet; null with C(scan_sheet) turned off.
  returned: when the report was written
  type: str
artifact:
  description: The report's summary per device (see M(breakwater.ztp.site_report)), also published with set_stats.
  returned: when the report was written
  type: dict
ansible_stats:
  description: The stats the task publishes (C(breakwater_ztp_rollout), or C(breakwater_ztp_sites) over many sites).
  returned: when the report was written
  type: dict
summary:
  description: One line, the result and the counts per status.
  returned: when the report was written
  type: str
failure:
  description: When the result is C(failed), the message the task fails with (the devices not online and why).
  returned: when the report was written
  type: str
files_changed:
  description: Whether the report files changed.
  returned: when the report was written
  type: bool
index_html:
  description: On a site host of C(breakwater.ztp.site_rollout), the index page of every site with a report.
  returned: when the report was written
  type: str
"""
