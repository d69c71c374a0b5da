# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_report: the site's report (JSON and HTML) from its manifest and events."""

from __future__ import annotations

import json
import os

import jinja2

from ansible_collections.breakwater.ztp.plugins.module_utils import site_results
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves
from ansible_collections.breakwater.ztp.plugins.module_utils import site_run
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import find_manifest
from ansible_collections.breakwater.ztp.plugins.module_utils.files import locked, write_if_changed
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteAction

CABLE_SCHEDULE = "cable-schedule.pdf"
FOLDER = "rollout_report_dir"  # the variable named when the report cannot be written
ARGUMENT_SPEC = dict(
    plan=dict(type="path"),
    error=dict(type="str"),
    template=dict(type="str", default="rollout-report.html.j2"),
)


class ActionModule(SiteAction):
    """Reads two things (the manifest and its events; nothing after a failed plan); writes two files, also in
    check mode (a plan report)."""

    reads_for = "site_report"

    def run_site(self, state, task_vars):
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        site = state.site
        checking = bool(task_vars.get("ansible_check_mode"))
        plan = state.load_plan(args["plan"]) if args["plan"] and os.path.exists(args["plan"]) else None
        if args["error"] and not args["plan"]:
            # The plan itself failed (its problems are the error): nothing was written, nothing to read.
            bw, manifest, events, pdf = None, None, [], None
        else:
            bw = state.client("breakwater")
            planned = (plan or {}).get("manifest") or {}
            manifest_id = planned.get("id")
            if manifest_id:  # known from the plan: the manifest, its events and its cable schedule at once
                manifest, events, pdf = site_run.in_parallel(
                    bw, lambda twin: find_manifest(twin, manifest_id, site["ztp_site_id"], site["ztp_manifest_name"]),
                    lambda twin: twin.list_events(manifest_id=manifest_id),
                    (lambda twin: twin.get_cable_schedule(manifest_id))
                    if site["rollout_cable_schedule"] and planned.get("cable_schedule") else None)
            else:
                manifest = find_manifest(bw, None, site["ztp_site_id"], site["ztp_manifest_name"])
                events, pdf = bw.list_events(manifest_id=manifest["id"]) if manifest else [], None
        # The run succeeds when the devices it rolled out are online (with rollout_wave: that wave's).
        play_hosts = site_waves.run_hosts(plan) if plan else [d["hostname"] for d in state.devices]
        models = dict((r["hostname"], r["model_detected"]) for r in (plan or {}).get("devices") or []
                      if r.get("model_detected"))
        placements = dict((r["hostname"], r["fortiztp"]) for r in (plan or {}).get("devices") or [] if "fortiztp" in r)
        report = site_results.build_report(site, manifest, events, play_hosts, error=args["error"],
                                           plan=plan if checking else None,
                                           fortiztp_enabled=site["rollout_fortiztp_enabled"], models=models,
                                           waves=(plan or {}).get("waves"), fortiztp=placements)
        folder = site["rollout_report_dir"]
        report["cable_schedule"] = None
        if site["rollout_cable_schedule"] and manifest and manifest.get("cable_schedule"):
            # The crew cables the floor from it: it travels with the report (a relative link).
            if pdf is None:
                pdf = bw.get_cable_schedule(manifest["id"])
            write_if_changed(os.path.join(folder, CABLE_SCHEDULE), pdf, FOLDER)
            report["cable_schedule"] = CABLE_SCHEDULE
        report_json = os.path.join(folder, "rollout-report.json")
        report_html = os.path.join(folder, "rollout-report.html")
        changed = write_if_changed(report_json, (json.dumps(report, indent=2) + "\n").encode("utf-8"), FOLDER)
        template = self._find_needle("templates", args["template"])
        if changed or not os.path.exists(report_html) or os.path.getmtime(report_html) < os.path.getmtime(template):
            # Else the same report through the same template: the page it gave is still current.
            changed |= write_if_changed(report_html, self.render(template, report).encode("utf-8"), FOLDER)
        self.progress(site_results.summary_text(report) + " Report: %s" % report_html)
        index_html = self.write_index(state.variables.site_host, report, folder)
        artifact = site_results.artifact(report, report_json, report_html)
        # The whole report is in the files; the result carries the artifact (counts and per-device
        # outcomes), which is also what set_stats would publish: the job's artifacts in AWX.
        return {
            "changed": False,  # the report describes the site; writing it changes nothing there
            "report_json": report_json, "report_html": report_html, "artifact": artifact,
            "ansible_stats": self.stats(state.variables.site_host, artifact),
            "summary": site_results.summary_text(report),
            "failure": site_results.failure_text(report, report_html) if report["result"] == "failed" else None,
            "files_changed": changed,
            "index_html": index_html,
        }

    @staticmethod
    def stats(site_host, artifact):
        """The job's artifacts: ``breakwater_ztp_rollout`` for a run of one site; for a run of several,
        ``breakwater_ztp_sites``, one entry per site, merged as each site reports."""
        if site_host and len(site_host.get("sites") or []) > 1:
            return {"data": {"breakwater_ztp_sites": {site_host["name"]: artifact}}, "per_host": False,
                    "aggregate": True}
        return {"data": {"breakwater_ztp_rollout": artifact}, "per_host": False, "aggregate": False}

    def write_index(self, site_host, report, folder):
        """The run's index page (breakwater.ztp.site_rollout): every site of the run with its result and
        report, updated by each site in turn (a lock: the sites run in parallel)."""
        if not site_host or not site_host.get("index_dir"):
            return None
        index_dir = site_host["index_dir"]
        index_json, index_html = os.path.join(index_dir, "index.json"), os.path.join(index_dir, "index.html")
        with locked(os.path.join(index_dir, ".index.lock"), "ztp_output_dir"):
            try:
                with open(index_json) as handle:
                    previous = json.load(handle)
            except (IOError, OSError, ValueError):
                previous = None
            index = site_results.run_index(previous, site_host["run"], site_host["sites"], site_host["name"],
                                           site_results.index_entry(report, folder, index_dir))
            write_if_changed(index_json, (json.dumps(index, indent=2) + "\n").encode("utf-8"), "ztp_output_dir")
            page = self.render(self._find_needle("templates", "rollout-index.html.j2"), index, "rollout_index")
            write_if_changed(index_html, page.encode("utf-8"), "ztp_output_dir")
        return index_html

    def render(self, path, data, name="rollout_report"):
        with open(path) as handle:
            source = handle.read()
        environment = jinja2.Environment(autoescape=False, undefined=jinja2.ChainableUndefined)
        return environment.from_string(source).render(**{name: data})
