# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_plan: read the site, check every rule, and plan the rollout. No write."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils import site_results
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import wait_for_deployment
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import WaitTimeout
from ansible_collections.breakwater.ztp.plugins.module_utils.site_lease import holder_text
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteAction, wave_members
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_lock import SiteLock
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
        lock = SiteLock(site, task_vars, state.variables.site_host, self.progress, self.warnings)
        if self.check_mode:
            holder = lock.holder()
            if holder:
                warnings.append("%s: a real run would wait for it or stop (rollout_lock_wait)" % holder_text(holder))
            plan, problems, plan_warnings = self.read_and_plan(state, lock, waves, wave_warnings)
        else:
            plan, problems, plan_warnings = self.plan_under_lease(state, lock, waves, wave_warnings)
        warnings.extend(plan_warnings)
        try:
            state.stop_on(problems, warnings)
            plan["lease"] = lock.record()
            return self.planned(state, plan, warnings)
        except Exception:
            lock.release()  # the report releases it, once there is a plan to report
            raise

    def plan_under_lease(self, state, lock, waves, wave_warnings):
        """The plan of a real run: read once no other run holds the site (waiting up to rollout_lock_wait, or
        stopping with the holder named). A plan with writes to do takes the site's lease, and is made again
        under it when another run released the site since the read; a plan with nothing to do takes none."""
        while True:
            lock.wait_free()
            released = lock.released()
            planned = self.read_and_plan(state, lock, waves, wave_warnings)
            plan, problems = planned[:2]
            if problems and lock.holder():
                continue  # a run that took the site meanwhile (its deployment, say) is why: wait for it, or stop naming it
            if problems or not plan["changed"]:
                return planned
            if lock.take(len(plan.get("waves") or [])) is None:
                break
            # Another run took the site between this read and the lease: wait for it, then plan again.
        if lock.took_over or lock.released() != released:
            try:
                planned = self.read_and_plan(state, lock, waves, wave_warnings)
            except Exception:
                lock.release()
                raise
            if not planned[0]["changed"]:
                lock.release()
        return planned

    def read_and_plan(self, state, lock, waves, wave_warnings):
        """(plan, problems, warnings) of the site as it is now. A deployment of the manifest in progress
        (another run's, maybe on another controller) is waited for, up to rollout_lock_wait, then read again."""
        read, problems = state.read(check_health=True)
        manifest = read["manifest"]
        if manifest and manifest.get("status") == "deploying" and not self.check_mode and lock.remaining():
            self.progress("waiting for the deployment of manifest %s in progress (another run's)" % manifest["id"])
            try:
                wait_for_deployment(state.client("breakwater"), manifest["id"], lock.remaining(),
                                    state.site["rollout_poll_interval"])
            except WaitTimeout:
                pass  # still deploying: the plan's problem says so
            read, problems = state.read(check_health=True)
        plan = state.plan(read)
        warnings = state.health_warnings + wave_warnings + site_waves.apply_waves(plan, waves)
        problems = problems + site_checks.whole_site_problems(state.site, plan["not_in_run"])
        if plan["not_in_run"] and not problems:
            warnings.append("%s: this run leaves them as they are and its result is partial" % site_checks.not_in_run_text(
                state.site["ztp_manifest_name"], plan["not_in_run"]))
        return plan, problems, warnings

    def planned(self, state, plan, warnings):
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
