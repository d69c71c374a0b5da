# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.site_report: the site's report (JSON and HTML) from its manifest and events."""

from __future__ import annotations

import json
import os

import jinja2
from ansible.errors import AnsibleError

from ansible_collections.breakwater.ztp.plugins.module_utils import scan_sheet
from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_groups
from ansible_collections.breakwater.ztp.plugins.module_utils import site_results
from ansible_collections.breakwater.ztp.plugins.module_utils import site_waves
from ansible_collections.breakwater.ztp.plugins.module_utils import site_run
from ansible_collections.breakwater.ztp.plugins.module_utils.manifests import find_manifest
from ansible_collections.breakwater.ztp.plugins.module_utils.files import locked, read_bytes, readable_json, write_if_changed
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import TaskFailure
from ansible_collections.breakwater.ztp.plugins.module_utils.timeline import timeline
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteAction, wave_members
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_lock import release
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_vars import SiteVariableError

CABLE_SCHEDULE = "cable-schedule.pdf"
ROLLOUT_TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "roles", "rollout",
                                 "templates")
FOLDER = "rollout_report_dir"  # the variable named when the report cannot be written
ARGUMENT_SPEC = dict(
    plan=dict(type="path"),
    error=dict(type="str"),
    template=dict(type="str", default="rollout-report.html.j2"),
    report=dict(type="bool", default=True),
    scan_sheet=dict(type="bool", default=True),
    held_by=dict(type="dict"),
)


class ActionModule(SiteAction):
    """Reads two things (the manifest and its events; nothing after a failed plan); writes two files, also in
    check mode (a plan report)."""

    reads_for = "site_report"

    def run_site(self, state, task_vars):
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        if args["held_by"]:
            # The plan found the site held by another run: its folder (report, plan, index) is that run's.
            return {"changed": False, "summary": args["error"], "failure": args["error"], "files_changed": False}
        plan = state.load_plan(args["plan"]) if args["plan"] and os.path.exists(args["plan"]) else None
        try:
            return self.report(state, task_vars, args, plan)
        finally:
            release((plan or {}).get("lease"), self.warnings)  # the run's lease on the site ends with its report

    def report(self, state, task_vars, args, plan):
        site = state.site
        checking = bool(task_vars.get("ansible_check_mode"))
        if not args["report"]:
            return self.scan_sheet_only(state, task_vars, args["scan_sheet"])
        if args["error"] and not args["plan"]:
            # The plan itself failed (its problems are the error): nothing was written, nothing to read.
            bw, manifest, events, pdf = None, None, [], None
        else:
            bw = state.client("breakwater")
            planned = (plan or {}).get("manifest") or {}
            manifest_id = planned.get("id")
            if manifest_id:  # known from the plan: the manifest, its events and its cable schedule at once
                # The manifest as the last step left it, when nothing was written since (the deployment's last poll).
                known = state.share.known_manifest(bw, manifest_id)
                manifest, events, pdf = site_run.in_parallel(
                    bw, None if known else lambda twin: find_manifest(twin, manifest_id, site["ztp_site_id"],
                                                                      site["ztp_manifest_name"]),
                    lambda twin: twin.list_events(manifest_id=manifest_id),
                    (lambda twin: twin.get_cable_schedule(manifest_id))
                    if site["rollout_cable_schedule"] and planned.get("cable_schedule") else None)
                manifest = known or manifest
            else:
                manifest = find_manifest(bw, None, site["ztp_site_id"], site["ztp_manifest_name"])
                events, pdf = bw.list_events(manifest_id=manifest["id"]) if manifest else [], None
        # The run succeeds when the devices it rolled out are online (with rollout_wave: that wave's).
        play_hosts = site_waves.run_hosts(plan) if plan else [d["hostname"] for d in state.devices]
        models = dict((r["hostname"], r["model_detected"]) for r in (plan or {}).get("devices") or []
                      if r.get("model_detected"))
        placements = dict((r["hostname"], site_results.fortiztp_columns(r)) for r in (plan or {}).get("devices") or [])
        # The devices the run's inventory holds (every wave's): the manifest's others were not in this run.
        held = [r["hostname"] for r in plan["devices"]] if plan else [d["hostname"] for d in state.devices]
        report = site_results.build_report(site, manifest, events, play_hosts, error=args["error"],
                                           plan=plan if checking else None,
                                           fortiztp_enabled=site["rollout_fortiztp_enabled"], models=models,
                                           waves=(plan or {}).get("waves"), fortiztp=placements, held=held)
        if report["not_in_run"] and not (plan or {}).get("not_in_run"):
            # Not named by the plan already (a manifest created by this run, a report without a plan).
            self.warnings.append("%s: the report lists them as not in this run" % site_checks.not_in_run_text(
                site["ztp_manifest_name"], report["not_in_run"]))
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
        changed = write_if_changed(report_json, readable_json(report).encode("utf-8"), FOLDER)
        template = self.page_template(args["template"])
        if changed or not os.path.exists(report_html) or os.path.getmtime(report_html) < os.path.getmtime(template):
            # Else the same report through the same template: the page it gave is still current.
            page = self.render(template, {"rollout_report": report, "rollout_timeline": timeline(report)})
            changed |= write_if_changed(report_html, page.encode("utf-8"), FOLDER)
        self.progress(site_results.summary_text(report) + " Report: %s" % report_html)
        sheet_html = None
        if args["scan_sheet"]:
            try:
                sheet_html, sheet_changed = self.write_scan_sheet(state, task_vars, manifest,
                                                                  (plan or {}).get("waves"))
                changed |= sheet_changed
            except TaskFailure as exc:  # the report stands without it (a run that failed still gets its report)
                self.warnings.append("scan sheet not written: %s" % exc.msg)
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
            "scan_sheet_html": sheet_html,
        }

    def scan_sheet_only(self, state, task_vars, wanted):
        """The scan sheet alone (entry point scan_sheet): one read (the manifest); in check mode nothing is
        written and ``changed`` says whether the page would change."""
        if not wanted:
            raise TaskFailure("report: false and scan_sheet: false: nothing to write")
        site = state.site
        manifest = find_manifest(state.client("breakwater"), site.get("ztp_manifest_id"), site["ztp_site_id"],
                                 site["ztp_manifest_name"])
        path, changed = self.write_scan_sheet(state, task_vars, manifest, None, write=not self.check_mode)
        return {"changed": changed, "files_changed": changed and not self.check_mode, "scan_sheet_html": path,
                "summary": "Scan sheet: %s%s" % (path, " (check mode: not written)" if self.check_mode and changed
                                                 else "")}

    def write_scan_sheet(self, state, task_vars, manifest, waves, write=True):
        """(path, changed) of the site's scan sheet (``scan-sheet.html`` beside the report): the manifest's
        devices, or the inventory's before the manifest exists, in install order. ``waves`` from the plan;
        None: from the inventory, as the plan makes them. With ``write`` false it tells whether the page would
        change."""
        site = state.site
        if manifest and manifest.get("devices"):
            devices, source = manifest["devices"], "manifest"
        else:
            devices, source = state.devices, "inventory"
        if waves is None:
            waves = self.inventory_waves(state, task_vars)
        sheet = scan_sheet.scan_sheet(site, devices, waves, source)
        path = os.path.join(site["rollout_report_dir"], scan_sheet.SCAN_SHEET)
        template = self.page_template("scan-sheet.html.j2")
        current = read_bytes(path, FOLDER)
        if current and scan_sheet.key_marker(sheet).encode("utf-8") in current and \
                os.path.getmtime(path) >= os.path.getmtime(template):
            return path, False  # the same rows through the same template: the page is current
        try:
            page = self.render(template, {"scan_sheet": scan_sheet.with_qr_codes(sheet)}).encode("utf-8")
        except ImportError as exc:
            raise TaskFailure(str(exc))
        if not write:
            return path, current != page
        return path, write_if_changed(path, page, FOLDER)

    def inventory_waves(self, state, task_vars):
        """The site's waves as the plan makes them from the inventory (None without waves; a warning and
        none when they have a problem, which the rollout's plan names)."""
        site = state.site
        if not state.devices or not (site["rollout_waves"] or site["rollout_wave_size"]):
            return None
        try:
            members = wave_members(self._loader, state.wave_groups(), site["rollout_waves"],
                                   [d["hostname"] for d in state.devices]) if site["rollout_waves"] else None
        except SiteVariableError as exc:
            members, problems = None, [str(exc)]
        else:
            problems = []
        waves, wave_problems = site_waves.plan_waves(state.devices, members, site["rollout_wave_size"])[:2]
        problems += wave_problems
        if problems:
            self.warnings.append("scan sheet without waves: %s" % "; ".join(problems))
            return None
        return waves

    @staticmethod
    def stats(site_host, artifact):
        """The job's artifacts: ``breakwater_ztp_rollout`` for a run of one site; for a run of several,
        ``breakwater_ztp_sites``, one entry per site, merged as each site reports."""
        if site_host and len(site_groups.unpack_names(site_host.get("sites"))) > 1:
            return {"data": {"breakwater_ztp_sites": {site_host["name"]: artifact}}, "per_host": False,
                    "aggregate": True}
        return {"data": {"breakwater_ztp_rollout": artifact}, "per_host": False, "aggregate": False}

    def write_index(self, site_host, report, folder):
        """The index page (breakwater.ztp.site_rollout): every site with a report under ``<ztp_output_dir>/reports``,
        this run's and other runs' (the slices of a sliced job run side by side), with its result and report,
        updated by each site in turn under a lock (the sites, and the slices, run in parallel)."""
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
            index = site_results.run_index(previous, site_host["run"], site_groups.unpack_names(site_host["sites"]),
                                           site_host["name"],
                                           site_results.index_entry(report, folder, index_dir),
                                           lambda entry: bool(entry.get("report_json")) and os.path.exists(
                                               os.path.join(index_dir, entry["report_json"])))
            write_if_changed(index_json, readable_json(index).encode("utf-8"), "ztp_output_dir")
            page = self.render(self.page_template("rollout-index.html.j2"), {"rollout_index": index})
            write_if_changed(index_html, page.encode("utf-8"), "ztp_output_dir")
        return index_html

    def page_template(self, name):
        """The page template ``name``: the play's or role's own (``templates/``) first, else the rollout role's
        (the task may run outside the role: breakwater.ztp.site_rollout's play over sites runs it directly)."""
        try:
            return self._find_needle("templates", name)
        except AnsibleError:
            shipped = os.path.join(ROLLOUT_TEMPLATES, name)
            if os.path.exists(shipped):
                return shipped
            raise

    @staticmethod
    def render(path, context):
        """The page of template ``path`` over ``context``, autoescaped: every value is HTML-escaped unless the
        template marks it ``safe`` (only markup the collection builds, such as the QR codes' SVG).

        Compiled once per template source in Jinja's bytecode cache (a folder of the user's own under the system
        temp folder): each site's report runs in a fresh worker process, and compiling the pages cost more
        than rendering them (200 sites: 600 compilations of the same three templates)."""
        try:
            cache = jinja2.FileSystemBytecodeCache()
        except (OSError, RuntimeError):  # no temp folder of the user's own: compile as before
            cache = None
        environment = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.dirname(path)), autoescape=True,
                                         undefined=jinja2.ChainableUndefined, bytecode_cache=cache)
        return environment.get_template(os.path.basename(path)).render(**context)
