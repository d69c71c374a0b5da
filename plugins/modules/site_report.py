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
    reason of a failure and its timings; counts per status; and the result, C(failed) when a step failed
    or a device of the play is not online, else C(partial) when the run's inventory lacks some of the
    manifest's devices (listed as C(not_in_run)), else C(success).
  - With C(rollout_cable_schedule) (default V(true)) it saves the manifest's cable schedule as
    C(cable-schedule.pdf) in the same folder (one more call) and the report links it.
  - In check mode (C(ansible_check_mode)) with a O(plan), the report is the plan, each device with its planned actions.
  - The HTML report shows the summary (counts, the slowest deployments, the failures, the waves) without JavaScript,
    then one row per device with its timeline (serial registered, config generated, deploying, online or failed) on
    a common time axis, grouped by wave, slow and failed devices marked; a small inline script filters the rows
    by status, wave and name. Every value from the APIs is HTML-escaped.
  - With O(scan_sheet) (default V(true)) it also writes C(scan-sheet.html) beside the report, a printable page
    (A4 or Letter) of every device of the manifest (of the inventory before the manifest exists) in install order
    (by device type and hostname; wave by wave with C(rollout_waves) or C(rollout_wave_size)), each with its
    hostname, type, expected model code, IP address, a QR code of its hostname and an empty serial column.
    Scanning a row's QR code then the unit's serial barcode gives the C(hostname,serial_number) lines that
    C(breakwater.ztp.register_serials) takes (C(serials_csv)). The QR codes are inline SVG made with the
    Python library C(segno); the page loads nothing.
  - With O(report=false) it writes the scan sheet alone (one call, the manifest), as
    C(breakwater.ztp.scan_sheet) does; that honours check mode (nothing written, C(changed) says whether the
    page would change).
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
  report:
    description:
      - Write the report (and update the run's index). V(false) writes only the scan sheet, with no other call than
        the manifest's look-up; the task then reports V(changed) when the page changed.
    type: bool
    default: true
  scan_sheet:
    description: Write the site's scan sheet C(scan-sheet.html) beside the report.
    type: bool
    default: true
requirements:
  - segno (Python library, on the controller) for the scan sheet's QR codes
attributes:
  check_mode:
    support: full
    description:
      - Reads only; writes the report files in check mode too when the task says C(check_mode=false).
      - With O(report=false), in check mode it writes nothing and tells whether the scan sheet would change.
  diff_mode:
    support: none
    description: Writes report files, which it does not diff.
extends_documentation_fragment:
  - breakwater.ztp.attributes.SITE_PLUGIN
seealso:
  - module: breakwater.ztp.site_plan
  - module: breakwater.ztp.serial
"""

EXAMPLES = r"""
- name: Write the report
  breakwater.ztp.site_report:
    plan: "{{ rollout_plan.plan_file }}"
  run_once: true
  delegate_to: localhost
  check_mode: false
  register: rollout_report

- name: Write the scan sheet alone (before the serials are scanned)
  breakwater.ztp.site_report:
    report: false
  run_once: true
  delegate_to: localhost
  register: scan_sheet
"""

RETURN = r"""
report_json:
  description: Path of the JSON report.
  returned: success and O(report)
  type: str
report_html:
  description: Path of the HTML report.
  returned: success and O(report)
  type: str
scan_sheet_html:
  description: Path of the scan sheet (C(scan-sheet.html) in the report's folder); null with O(scan_sheet=false).
  returned: success
  type: str
  sample: reports/site_floor_a/scan-sheet.html
artifact:
  description:
    - C(site_id), C(manifest_id), C(result), C(counts), C(not_in_run), the report paths and per device C(hostname),
      C(serial_number), C(status), C(reason).
  returned: success and O(report)
  type: dict
summary:
  description: One line, the result and the counts per status (with O(report=false), the scan sheet's path).
  returned: success
  type: str
ansible_stats:
  description: The stats the task publishes, C(breakwater_ztp_rollout) = RV(artifact).
  returned: success and O(report)
  type: dict
failure:
  description: When the result is C(failed), the message the play fails with (the devices not online and why).
  returned: success and O(report)
  type: str
files_changed:
  description: Whether the report files (or the scan sheet) changed (a rerun that changes nothing writes the same files).
  returned: success
  type: bool
index_html:
  description:
    - On a site host of C(breakwater.ztp.site_rollout) (a run over sites), the index page
      (C(<ztp_output_dir>/reports/index.html), beside C(index.json)) of every site with a report there, whichever
      run wrote it, which this task updated with the site's line; null otherwise.
  returned: success and O(report)
  type: str
"""
