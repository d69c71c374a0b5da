# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_apply: one step of a site rollout, in bulk, for every device at once."""

from __future__ import annotations

import os

from ansible_collections.breakwater.ztp.plugins.module_utils import configs
from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves
from ansible_collections.breakwater.ztp.plugins.module_utils import polling
from ansible_collections.breakwater.ztp.plugins.module_utils import site_run
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import find_manifest, undeployed_devices
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import TaskFailure
from ansible_collections.breakwater.ztp.plugins.module_utils.files import write_if_changed
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteAction
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_vars import check_counts, check_waits

# The site's steps, brought up to date whole before the first wave; then the steps a wave runs for its own devices.
SITE_STEPS = ("manifest", "serials")
WAVE_STEPS = ("configs", "fortiztp", "deploy")
STEPS = SITE_STEPS + WAVE_STEPS
STEP_ACTIONS = {
    "serials": site_planning.SERIAL_ACTIONS,
    "configs": site_planning.CONFIG_ACTIONS,
    "fortiztp": (site_planning.PROVISION_FORTIZTP,),
    "deploy": (site_planning.DEPLOY,),
}


def save_config(path, data):
    return write_if_changed(path, data, "configs_dest")


def saved(entries):
    """The paths configs.save_configs changed."""
    return [entry["path"] for entry in entries if entry["changed"]]


ARGUMENT_SPEC = dict(
    step=dict(type="str", required=True, choices=list(STEPS)),
    plan=dict(type="path"),
    fortiztp_state=dict(type="str", choices=["provisioned", "unprovisioned"], default="provisioned"),
    save_all_configs=dict(type="bool", default=False),
    wave=dict(type="int"),
)


class ActionModule(SiteAction):
    wave_prefix = ""

    def wave_progress(self, line):
        self.progress(self.wave_prefix + line)

    def run_site(self, state, task_vars):
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        step = args["step"]
        check_waits(state.site)
        check_counts(state.site)
        plan = state.load_plan(args["plan"]) if args["plan"] else None
        if plan is None:
            # On its own (a step playbook, not after site_plan): the plan's preflight for what the step
            # reads (inventory, health, templates, manifest, FortiZTP), then this step's plan.
            if step != "manifest":
                state.check_inventory()
            read, problems = state.read(with_breakwater=step != "fortiztp", with_fortiztp=step == "fortiztp",
                                        check_health=True, fortiztp_target=args["fortiztp_state"] == "provisioned")
            self.warnings.extend(state.health_warnings)
            state.stop_on(problems, state.health_warnings)
            plan = state.plan(read)
        rows = site_planning.devices_with(plan, *STEP_ACTIONS.get(step, ()))
        if step == "fortiztp" and args["fortiztp_state"] == "unprovisioned":
            fortinet = set(plan["fortinet_serials"])
            rows = [r for r in plan["devices"] if r["serial_number"] in fortinet]
        if step in WAVE_STEPS:
            rows = site_waves.wave_rows(args["wave"], rows)
            self.wave_prefix = site_waves.wave_prefix(plan, args["wave"])
        if self.check_mode:
            return self.predicted(step, plan, rows)
        return getattr(self, "step_%s" % step)(state, plan, rows, args, task_vars)

    def predicted(self, step, plan, rows):
        manifest_action = plan["manifest"]["action"] if step == "manifest" else None
        result = {"changed": bool(rows or manifest_action), "devices": [r["hostname"] for r in rows]}
        if self.diff_mode and result["changed"]:
            lines = ["%s: %s" % (r["hostname"], r["reason"]) for r in rows]
            if manifest_action:
                lines.insert(0, "manifest %s: %s" % (plan["manifest"]["name"], manifest_action))
            result["diff"] = {"prepared": "\n".join(lines) + "\n"}
        return result

    # --- the steps ---------------------------------------------------------------------------
    def manifest_now(self, state, plan):
        """The site's manifest as it is now: as this rollout last read it if nothing was written since, else read."""
        bw = state.client("breakwater")
        manifest = state.share.known_manifest(bw, plan["manifest"]["id"]) or find_manifest(
            bw, plan["manifest"]["id"], state.site["ztp_site_id"], state.site["ztp_manifest_name"])
        if manifest is None:
            raise TaskFailure("site %s has no manifest named %s; run the manifest step first" % (
                state.site["ztp_site_id"], state.site["ztp_manifest_name"]))
        state.share.remember_manifest(bw, manifest)
        return manifest

    def step_manifest(self, state, plan, rows, args, task_vars):
        site = state.site
        if not plan["manifest"]["action"] and plan["manifest"]["status"] not in ("draft", None):
            return {"changed": False}
        keep_status = plan["manifest"]["status"] in ("deploying", "deployed")
        result = self.run_module(state, "manifest", "breakwater", task_vars, dict(
            site_id=site["ztp_site_id"], name=site["ztp_manifest_name"], description=site["ztp_manifest_description"],
            topology_source=site["ztp_topology_source"], config_templates=site["ztp_config_templates"],
            status=None if keep_status else site["manifest_status"]))
        if args["plan"]:
            plan["manifest"].update(id=result["manifest"]["id"], status=result["manifest"].get("status"))
            state.save_plan(plan)  # the next steps need the id of a manifest created now
        if plan["manifest"]["action"] == "create" and site["rollout_require_whole_site"]:
            # Its devices (the topology's) are known only now: checked before any serial, config or deployment.
            missing = site_checks.not_in_run(self.manifest_now(state, plan), [r["hostname"] for r in plan["devices"]])
            problems = site_checks.whole_site_problems(site, missing)
            if problems:
                raise TaskFailure("%s; the manifest was created now (%s), nothing else written" % (
                    "; ".join(problems), result["manifest"]["id"]), changed=True, problems=problems)
        return {"changed": result["changed"], "manifest": result["manifest"]}

    def step_serials(self, state, plan, rows, args, task_vars):
        site = state.site
        manifest_id = plan["manifest"]["id"] or self.manifest_now(state, plan)["id"]
        changed, results = False, []
        if site["serials_csv"] or site["serials_csv_content"]:
            csv = self.run_module(state, "serial", "breakwater", task_vars, dict(manifest=manifest_id,
                                  csv=site["serials_csv"] or None, csv_content=site["serials_csv_content"] or None,
                                  replace=site["serials_replace"], verification_method="csv_import",
                                  operator_id=site["serials_operator_id"]))
            changed, results = csv["changed"], csv.get("results", [])
        rows = [r for r in rows if r["serial_number"]] if site["serials_from_inventory"] else []
        if rows:
            items = [{"hostname": r["hostname"], "serial_number": r["serial_number"]} for r in rows]
            answer = self.run_module(state, "serial", "breakwater", task_vars, dict(manifest=manifest_id, serials=items,
                                     replace=site["serials_replace"], verification_method=site["serials_verification_method"],
                                     operator_id=site["serials_operator_id"]))
            changed, results = changed or answer["changed"], results + answer.get("results", [])
        return dict(self.check_models(state, plan, args, results), changed=changed, results=results)

    def check_models(self, state, plan, args, results):
        """The models Breakwater detected, kept in the plan for the report; a unit of another model warns or fails."""
        if not any(r.get("model_detected") for r in results):
            return {}
        mismatches, error = site_checks.model_check(plan["devices"], results, state.site["serials_strict_model"])
        if args["plan"]:
            state.save_plan(plan)
        if error:
            raise TaskFailure(error, changed=True, model_mismatches=mismatches)
        self.warnings.extend(mismatches)
        return {"model_mismatches": mismatches}

    def step_configs(self, state, plan, rows, args, task_vars):
        site = state.site
        dest, fmt = site["configs_dest"], site["configs_format"]
        scope = site_waves.wave_rows(args["wave"], plan["devices"])
        hostnames = set(r["hostname"] for r in scope)
        generated = []
        if rows or args["save_all_configs"] or not os.path.isdir(dest):
            manifest = self.manifest_now(state, plan)
            force = site["configs_force"] or any(site_planning.REGENERATE_CONFIG in r["actions"] for r in rows)
            generated, failures = site_run.generate_configs(
                state.client("breakwater"), manifest, [r["hostname"] for r in rows], force,
                site["configs_wait_timeout"], site["configs_poll_interval"], on_poll=self.wave_progress)
            error, warning = site_waves.config_failures(plan, args["wave"], failures, site["rollout_max_failures"],
                                                        self.wave_prefix)
            if error:
                raise TaskFailure(error, changed=bool(generated or failures), failed_devices=failures)
            self.warnings.extend([warning] if warning else [])
            bw = state.client("breakwater")
            manifest = bw.get_manifest(manifest["id"])
            state.share.remember_manifest(bw, manifest)
        elif not configs.missing_config_files([r for r in scope if r["id"]], dest, fmt, os.path.exists):
            # Nothing to generate and every file there (a rerun): no call.
            return {"changed": False, "generated": [], "written": []}
        else:
            manifest = self.manifest_now(state, plan)
        devices = configs.files_to_save([d for d in manifest["devices"] if d["hostname"] in hostnames], dest, fmt,
                                        os.path.exists, [d["id"] for d in generated], args["save_all_configs"])
        written = saved(configs.save_configs(state.client("breakwater"), devices, dest, fmt, save_config,
                                             site["configs_download_workers"]))
        return {"changed": bool(generated or written), "generated": sorted(d["hostname"] for d in generated),
                "written": written}

    def step_fortiztp(self, state, plan, rows, args, task_vars):
        site = state.site
        serials = [r["serial_number"] for r in rows]
        if not site["rollout_fortiztp_enabled"] or not plan["fortinet_serials"]:
            return {"changed": False}
        if args["fortiztp_state"] == "unprovisioned":
            answer = self.run_module(state, "fortiztp_device", "fortiztp", task_vars,
                                     dict(devices=serials, state="unprovisioned"))
            return {"changed": answer["changed"], "devices": serials}
        changed = False
        fortimanagers = list(plan.get("fortimanagers") or [])
        # What this rollout's plan read of FortiZTP (SiteShare): the provisioning below need not read it again.
        known = dict(state.share.fortiztp_read or {})
        if site_waves.first_wave(plan, args["wave"]):
            # The target is the site's: set up with the first wave. The script's content may have
            # changed on a site that needs nothing else: compared on every run.
            if site["ztp_fortiztp_script"] and (site["ztp_fortiztp_script_content"] or site["ztp_fortiztp_script_src"]):
                script_changed = self.run_module(state, "fortiztp_script", "fortiztp", task_vars, dict(
                    name=site["ztp_fortiztp_script"], content=site["ztp_fortiztp_script_content"],
                    src=site["ztp_fortiztp_script_src"]))["changed"]
                if script_changed:
                    known.pop("scripts", None)  # a new script's id is not in the plan's list
                changed |= script_changed
            if changed or not plan.get("fortimanager_ready"):
                target = self.run_module(state, "fortiztp_fortimanager", "fortiztp", task_vars, dict(
                    sn=site["ztp_fortimanager_sn"], ip=site["ztp_fortimanager_ip"], script=site["ztp_fortiztp_script"]))
                changed |= target["changed"]
                setting = target.get("fortimanager") or {}
                fortimanagers = [f for f in fortimanagers if f.get("oid") != setting.get("oid")] + [setting]
        if not site_waves.first_wave(plan, args["wave"]):
            # An earlier wave may have made the target or the script since the plan read them: read again.
            known.pop("fortimanagers", None)
            known.pop("scripts", None)
        elif "fortimanagers" in known:
            known["fortimanagers"] = fortimanagers  # the plan's, with the target as the step left it
        swapped = [r["unprovision_serial"] for r in site_waves.wave_rows(args["wave"], plan["devices"])
                   if r.get("unprovision_serial")]
        if swapped:
            # The units an RMA swapped out leave their FortiManager.
            changed |= self.run_module(state, "fortiztp_device", "fortiztp", task_vars,
                                       dict(devices=swapped, state="unprovisioned"))["changed"]
        if serials:
            # Moved where the site wants them (the module compares by the same rule as the plan).
            answer = self.run_module(state, "fortiztp_device", "fortiztp", task_vars, dict(
                site_planning.fortiztp_options(site), devices=serials, state="provisioned", wait=False), known=known)
            changed |= answer["changed"]
            records = dict((d.get("deviceSN"), d) for d in answer.get("devices") or [])
            if site["fortiztp_provision_wait"]:
                records = site_run.wait_provisioned(
                    state.client("fortiztp"), serials, site["fortiztp_provision_wait_timeout"], site["fortiztp_provision_poll_interval"],
                    records=records, on_poll=self.wave_progress)
            if args["plan"]:
                # For the report: where each unit is now, by the plan's rule.
                fields, names = site_planning.fortiztp_placement(site, fortimanagers)
                for row in plan["devices"]:
                    if row["serial_number"] in records:
                        row.update(site_planning.fortiztp_columns(records[row["serial_number"]], fields, names))
                state.save_plan(plan)
        return {"changed": changed, "devices": serials}

    def step_deploy(self, state, plan, rows, args, task_vars):
        site, wave = state.site, args["wave"]
        if not rows:
            return {"changed": False, "failed_devices": []}
        manifest = self.manifest_now(state, plan)
        bw = state.client("breakwater")
        scope = set(r["hostname"] for r in site_waves.wave_rows(wave, plan["devices"]))
        planned = set(r["hostname"] for r in rows)
        if site_planning.deployable(manifest, planned):
            final, failed = site_run.deploy(bw, manifest, site["rollout_wait_timeout"], site["rollout_poll_interval"],
                                            on_poll=self.progress, hostnames=scope,
                                            what="%sdeployment" % self.wave_prefix)
            state.share.remember_manifest(bw, final)
            result = {"changed": True, "manifest_status": final.get("status"), "failed_devices": failed}
        else:
            # None of them holds a config (their configs failed, within rollout_max_failures): nothing to deploy.
            failed = undeployed_devices(bw, manifest)
            result = {"changed": False, "manifest_status": manifest.get("status"), "failed_devices": failed}
        error = site_waves.wave_gate(plan, wave, failed, site["rollout_max_failures"], self.wave_prefix)
        if error:
            raise TaskFailure(error, **result)
        following = site_waves.next_wave(plan, wave) if wave else None
        if following is not None and site["rollout_wave_pause"]:
            self.progress("%sdone; wave %d starts in %d s (rollout_wave_pause)" % (
                self.wave_prefix, following, site["rollout_wave_pause"]))
            polling.sleep(site["rollout_wave_pause"])
        return result
