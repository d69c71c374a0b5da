# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_rollout: the whole rollout of a site in one task (plan, steps wave by wave, report).

It runs the three site plugins in this process, in the order the rollout takes, so a site costs Ansible one
task instead of a dozen: with many sites at once, the per-task cost of forking a worker and building its
variables was most of the run's CPU. The rules stay in those plugins and in module_utils; this only orders them.
"""

from __future__ import annotations

import gc
import json
import time
import traceback

from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.breakwater.ztp.plugins.action import site_apply
from ansible_collections.breakwater.ztp.plugins.action import site_plan
from ansible_collections.breakwater.ztp.plugins.action import site_report
from ansible_collections.breakwater.ztp.plugins.module_utils import scan_sheet
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteShare

display = Display()

# Each step under the name a failure carries into the report ("<step>: <why>").
PLAN = "Plan the rollout (reads and checks everything, writes nothing)"
STEP_NAMES = {
    "manifest": "The manifest exists and is ready",
    "serials": "The serials are registered",
    "configs": "The configs are built and saved for review",
    "fortiztp": "The Fortinet devices are provisioned through FortiZTP",
    "deploy": "Deploy, and wait until every device is online or failed",
}
# The results of the report the task returns as its own (the artifact, set_stats, the files).
REPORT_KEYS = ("report_json", "report_html", "artifact", "ansible_stats", "summary", "failure", "files_changed",
               "index_html", "scan_sheet_html")


class StepFailed(Exception):
    def __init__(self, name, result):
        super(StepFailed, self).__init__(result.get("msg"))
        self.name = name
        self.result = result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        # This worker is a fork of the controller: its objects (the inventory, the play) are never garbage here.
        # Frozen, the collector no longer walks them on every full collection of the site's run (and copies
        # their pages, as it marks them).
        gc.freeze()
        result = super(ActionModule, self).run(tmp, task_vars)
        self.validate_argument_spec(argument_spec={})
        task_vars = task_vars or {}
        self.steps, self.warnings, self.diffs, self.plan = [], [], [], {}
        self.share = SiteShare()  # one site, read once: its variables, definition and clients serve every step
        planned, failure, held_by, drawing = {}, None, None, None
        try:
            planned = self.step(site_plan, "plan", PLAN, {}, task_vars)
            with open(planned["plan_file"]) as handle:
                self.plan = json.load(handle)  # its waves (for the step lines) and devices (for the QR codes)
            for step in site_apply.SITE_STEPS:
                self.step(site_apply, step, STEP_NAMES[step], dict(step=step, plan=planned["plan_file"]), task_vars)
            for wave in planned["waves"]:
                # A failed wave (more than rollout_max_failures devices not online) stops the next.
                for step in site_apply.WAVE_STEPS:
                    self.step(site_apply, step, STEP_NAMES[step], dict(step=step, plan=planned["plan_file"], wave=wave),
                              task_vars, wave=wave)
                    if drawing is None and step == "configs":
                        # Not before: the config downloads' threads would wait for the drawing (one interpreter lock).
                        drawing = self.draw_codes_ahead(planned)
        except StepFailed as exc:
            failure = "%s: %s" % (exc.name, exc.result.get("msg") or "failed")
            held_by = exc.result.get("held_by")
        if drawing is not None:
            drawing.join()
        # Whatever happened: the report (written in check mode too, as the plan) releases the site's lease.
        report = self.sub_run(site_report, dict(plan=planned.get("plan_file"), error=failure, held_by=held_by),
                              task_vars, check_mode=False)
        self.warnings.extend(report.pop("warnings", None) or [])
        if report.get("failed"):
            result.update(failed=True, msg="Write the report: %s" % report.get("msg"))
        result.update((key, report[key]) for key in REPORT_KEYS if key in report)
        result.update(
            changed=any(step["changed"] for step in self.steps),
            plan_file=planned.get("plan_file"), manifest=planned.get("manifest"), counts=planned.get("counts"),
            waves=planned.get("waves"), steps=self.steps,
            api_calls=sum(step["api_calls"] for step in self.steps) + (report.get("api_calls") or 0))
        if held_by:
            result["held_by"] = held_by
        if report.get("failure"):
            result.update(failed=True, msg=report["failure"])
        if self.warnings:
            result["warnings"] = self.warnings
        if self.diffs:
            result["diff"] = self.diffs
        return result

    def draw_codes_ahead(self, planned):
        """A run with work to do writes a new scan sheet: its QR codes are drawn while the steps wait for the APIs
        (FortiZTP's provisioning, the deployment); None when there is nothing to draw ahead."""
        if self._task.check_mode or not planned.get("counts"):
            return None
        return scan_sheet.draw_ahead(row["hostname"] for row in self.plan["devices"])

    def step(self, plugin, step, name, args, task_vars, wave=None):
        """Run one step; its result, or StepFailed (the rollout stops there and reports)."""
        started = time.time()
        try:
            answer = self.sub_run(plugin, args, task_vars)
        except Exception as exc:  # a fault of the plugin's: the rollout still ends in its report, as the role's rescue did
            answer = {"failed": True, "msg": "%s: %s" % (type(exc).__name__, exc), "exception": traceback.format_exc()}
        self.warnings.extend(answer.pop("warnings", None) or [])
        if answer.get("diff"):
            self.diffs.append(answer["diff"])
        self.steps.append(dict(step=step, name=name, wave=wave, changed=bool(answer.get("changed")),
                               failed=bool(answer.get("failed")), seconds=round(time.time() - started, 3),
                               api_calls=answer.get("api_calls") or 0))
        if step != "plan":  # the plan prints its own line
            display.display("  %s%s: %s" % (site_waves.wave_prefix(self.plan, wave), name,
                                            "failed" if answer.get("failed") else
                                            "changed" if answer.get("changed") else "ok"))
        if answer.get("failed"):
            raise StepFailed(name, answer)
        return answer

    def sub_run(self, plugin, args, task_vars, check_mode=None):
        """One site plugin's run, as a task of its own with ``args`` would run it (same host, variables, modes)."""
        # Not its blocks: the worker has post-validated the task, so every inherited keyword (check_mode, diff, ...)
        # is set on it already, and copying the play's blocks for each step cost more than the step's own set-up.
        task = self._task.copy(exclude_parent=True)
        task.args = args
        if check_mode is not None:
            task.check_mode = check_mode
        action = plugin.ActionModule(task, self._connection, self._play_context, self._loader, self._templar,
                                     self._shared_loader_obj)
        action.share = self.share
        return action.run(task_vars=task_vars)
