# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# The work is done by the action plugin of the same name (plugins/action/site_report.py).

from __future__ import annotations

DOCUMENTATION = r"""
module: site_report
short_description: Write the report of a ZTP site (JSON and HTML) from its manifest and events
version_added: 0.2.0
description:
  - Runs on the controller. Reads the site's manifest and its events (two calls) and writes
    C(rollout-report.json) and a self-contained C(rollout-report.html) to C(rollout_report_dir)
    (default C(<ztp_output_dir>/reports/<ztp_site_id>)); per device its type, serial, status, the
    reason of a failure and its timings; counts per status; and the result, C(success) only when
    every device of the play is online and no step failed.
  - With C(rollout_cable_schedule) (default V(true)) it saves the manifest's cable schedule as
    C(cable-schedule.pdf) in the same folder (one more call) and the report links it.
  - In check mode (C(ansible_check_mode)) with a O(plan), the report is the plan, each device with its planned actions.
  - Publishes RV(artifact) as C(ansible.builtin.set_stats) does (C(breakwater_ztp_rollout), not per host), so AWX
    shows it in the job's artifacts with no further task.
author:
  - breakwater.ztp maintainers (@breakwater-ztp)
options:
  plan:
    description:
      - The plan file of M(breakwater.ztp.site_plan); its manifest id saves a look-up, its waves give the report's
        waves table, and in check mode it is the report.
      - Without it but with O(error) (the plan itself failed), the report is written from the inventory and the
        error alone, with no call.
    type: path
  error:
    description: What failed during the rollout, shown in the report (which then fails).
    type: str
  template:
    description: The HTML template, found as a role's or play's template.
    type: str
    default: rollout-report.html.j2
attributes:
  check_mode:
    support: full
    description: Reads only; writes the report files in check mode too when the task says C(check_mode=false).
  diff_mode:
    support: none
    description: Writes report files, which it does not diff.
extends_documentation_fragment:
  - breakwater.ztp.attributes.SITE_PLUGIN
seealso:
  - module: breakwater.ztp.site_plan
"""

EXAMPLES = r"""
- name: Write the report
  breakwater.ztp.site_report:
    plan: "{{ rollout_plan.plan_file }}"
  run_once: true
  delegate_to: localhost
  check_mode: false
  register: rollout_report
"""

RETURN = r"""
report_json:
  description: Path of the JSON report.
  returned: success
  type: str
report_html:
  description: Path of the HTML report.
  returned: success
  type: str
artifact:
  description: C(site_id), C(manifest_id), C(result), C(counts), the report paths and per device C(hostname), C(serial_number), C(status), C(reason).
  returned: success
  type: dict
summary:
  description: One line, the result and the counts per status.
  returned: success
  type: str
ansible_stats:
  description: The stats the task publishes, C(breakwater_ztp_rollout) = RV(artifact).
  returned: success
  type: dict
failure:
  description: When the result is C(failed), the message the play fails with (the devices not online and why).
  returned: success
  type: str
files_changed:
  description: Whether the report files changed (a rerun that changes nothing writes the same report).
  returned: success
  type: bool
index_html:
  description:
    - On a site host of C(breakwater.ztp.site_rollout) (a run over sites), the run's index page
      (C(<ztp_output_dir>/reports/index.html), beside C(index.json)), which this task updated with the site's
      line; null otherwise.
  returned: success
  type: str
"""
