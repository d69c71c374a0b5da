# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_plan: read the site, check every rule, and plan the rollout. No write."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils import site_results
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteAction, wave_members
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_vars import check_counts, check_waits


class ActionModule(SiteAction):

    def run_site(self, state, task_vars):
        self.validate_argument_spec(argument_spec={})
        site = state.site
        check_waits(site)
        check_counts(site)
        state.check_inventory()
        warnings = []
        gates = site_checks.fortigates(site, state.devices)
        if not site["rollout_fortiztp_enabled"] and gates:
            warnings.append("FortiZTP provisioning is turned off for %s (rollout_fortiztp_enabled=false): %s will fail "
                            "their deployment with ZTP_NOT_PROVISIONED unless FortiZTP hands them to a FortiManager "
                            "some other way." % (site["ztp_manifest_name"], ", ".join(d["hostname"] for d in gates)))
        members = wave_members(self._loader, state.wave_groups(), site["rollout_waves"],
                               [d["hostname"] for d in state.devices]) if site["rollout_waves"] else None
        waves, wave_problems, wave_warnings = site_waves.plan_waves(state.devices, members, site["rollout_wave_size"],
                                                                    site["rollout_wave"])
        state.stop_on(wave_problems, kind="wave")
        read, problems = state.read(check_health=True)
        warnings.extend(state.health_warnings)
        plan = state.plan(read)
        warnings.extend(wave_warnings + site_waves.apply_waves(plan, waves))
        problems += site_checks.whole_site_problems(site, plan["not_in_run"])
        if plan["not_in_run"] and not problems:
            warnings.append("%s: this run leaves them as they are and its result is partial" % site_checks.not_in_run_text(
                site["ztp_manifest_name"], plan["not_in_run"]))
        state.stop_on(problems, warnings)
        counts = plan["counts"]
        self.progress("plan: %d device(s)%s; %s" % (len(plan["devices"]), site_waves.waves_text(plan), ", ".join(
            "%s %d" % (action, counts[action]) for action in site_planning.ACTIONS if action in counts) or "nothing to do"))
        # The plan goes to a file beside the report, not through the task results: at 1,000 devices
        # templating it into every step's arguments would cost seconds per step.
        plan_file = state.save_plan(plan)
        result = {"plan_file": plan_file, "manifest": plan["manifest"], "counts": plan["counts"],
                  "waves": site_waves.running_waves(plan),
                  "changed": self.check_mode and plan["changed"], "warnings": warnings}
        if self.diff_mode:
            result["diff"] = {"prepared": site_results.plan_text(plan)}
        return result
