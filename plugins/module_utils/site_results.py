# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a rollout shows: the plan's text, the report (per device its status, reason and timings),
the run's index page, and the texts and artifacts made of them. Plain data in and out."""

from __future__ import annotations

import datetime
import os
import re

from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import model_fits, not_in_run, not_in_run_text
from ansible_collections.breakwater.ztp.plugins.module_utils.site_planning import ACTIONS
from ansible_collections.breakwater.ztp.plugins.module_utils.site_progress import status_counts
from ansible_collections.breakwater.ztp.plugins.module_utils.site_waves import waves_text


FAILED_STATUSES = frozenset(("failed", "config_failed"))
ISO_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def plan_text(plan):
    """The plan as the lines ``--check --diff`` shows."""
    manifest = plan["manifest"]
    lines = ["Site %s, manifest %s (%s): %s" % (
        plan.get("site_id"), manifest.get("name"), manifest.get("id") or "new",
        {"create": "create it", "update": "update %s" % ", ".join(manifest.get("changes") or [])}.get(
            manifest.get("action"), "unchanged"))]
    waves = plan.get("waves") or []
    for wave in waves if len(waves) > 1 else [None]:
        if wave:
            lines.append(" Wave %d of %d%s%s:" % (wave["number"], len(waves), " (%s)" % wave["pattern"]
                                                  if wave["pattern"] else "", "" if wave["run"] else ", not in this run"))
        for row in plan["devices"]:
            if wave is None or row.get("wave") == wave["number"]:
                lines.append("  %-24s %-18s %s (%s)" % (
                    row["hostname"], row["status"], ", ".join(row["actions"]) or "nothing", row["reason"]))
    if plan.get("not_in_run"):
        lines.append(" Not in this run (the inventory does not hold them): %s" % ", ".join(plan["not_in_run"]))
    counts = plan.get("counts") or {}
    lines.append("Total: %d device(s)%s; %s" % (len(plan["devices"]), waves_text(plan), ", ".join(
        "%s %d" % (a, counts[a]) for a in ACTIONS if a in counts) or "nothing to do"))
    return "\n".join(lines) + "\n"


def _parse_time(value):
    # The fields by position (the pattern fixed them): strptime costs 0.2 s over a 1,000-device report.
    if isinstance(value, str) and ISO_PATTERN.match(value):
        return datetime.datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]),
                                 int(value[14:16]), int(value[17:19]))
    return None


def device_timings(events):
    """device id -> {event type: last timestamp}, and device id -> reason of its last failure."""
    timings, reasons = {}, {}
    for event in events:
        details = event.get("details") or {}
        device_id = event.get("device_id")
        if device_id:
            timings.setdefault(device_id, {})[event.get("event_type")] = event.get("timestamp")
            if event.get("event_type") in ("device_failed", "config_failed"):
                message = ": ".join(part for part in (details.get("code"), details.get("message")) if part)
                reasons[device_id] = details.get("reason") or message
        elif event.get("event_type") == "deployment_started":
            for started in details.get("devices") or []:
                seen = timings.setdefault(started, {})
                seen["deployment_started"] = event.get("timestamp")
                # A new deployment: how an earlier one settled says nothing about this one.
                seen.pop("device_online", None)
                seen.pop("device_failed", None)
    return timings, reasons


def wave_results(waves, rows):
    """Per wave: its devices' statuses and how it ended (online, failed, not started or incomplete)."""
    status = dict((row["hostname"], row["status"]) for row in rows)
    results = []
    for wave in waves:
        counts = status_counts([{"status": status.get(host)} for host in wave["hosts"]])
        if not wave["hosts"] or counts.get("online", 0) == len(wave["hosts"]):
            result = "online"
        elif any(counts.get(s) for s in FAILED_STATUSES):
            result = "failed"
        elif not wave["run"]:
            result = "not in this run"
        elif not counts.get("online") and not counts.get("deploying"):
            result = "not started"
        else:
            result = "incomplete"
        results.append({"number": wave["number"], "pattern": wave.get("pattern"), "devices": len(wave["hosts"]),
                        "in_run": wave["run"], "counts": counts, "result": result})
    return results


def fortiztp_columns(row):
    """A plan row's FortiZTP columns that the report shows: where FortiZTP has a Fortinet unit
    (``fortiztp_placement``) and, only when that is not where the site wants it, why (``fortiztp``)."""
    return dict((key, row[key]) for key in ("fortiztp", "fortiztp_placement") if row.get(key))


def build_report(site, manifest, events, play_hosts, error=None, plan=None, fortiztp_enabled=True, models=None,
                 waves=None, fortiztp=None, held=None):
    """The rollout report: per device its status, reason and timings, counts, and the result.

    ``result`` is ``failed`` on an error, or when a host of the play is not online or, for a Fortinet
    unit, not where the site wants it in FortiZTP (``fortiztp``: hostname ->
    its :func:`fortiztp_columns`, from the plan's rows). Else it is ``partial`` when the run's inventory (``held``: its device
    hostnames, every wave's) lacks some of the manifest's devices (``not_in_run``, not rolled out by
    this run), and ``success`` only when it held them all. With a ``plan`` (check mode) the result is
    ``plan`` and each row carries the planned actions.
    """
    fortiztp = fortiztp or {}
    manifest = manifest or {}
    timings, reasons = device_timings(events or [])
    in_play = set(play_hosts)
    planned = dict((row["hostname"], row) for row in (plan or {}).get("devices") or [])
    rows, counts = [], {}
    online_in_play = 0
    for device in manifest.get("devices") or []:
        seen = timings.get(device.get("id"), {})
        settled = seen.get("device_online") or seen.get("device_failed")
        started = seen.get("deployment_started")
        deploy_seconds = None
        if _parse_time(started) and _parse_time(settled):
            deploy_seconds = int((_parse_time(settled) - _parse_time(started)).total_seconds())
        status = device.get("status")
        failed = status in FAILED_STATUSES
        reason = (reasons.get(device.get("id")) if failed else None) or device.get("status_reason") or None
        counts[status] = counts.get(status, 0) + 1
        if device.get("hostname") in in_play and status == "online":
            online_in_play += 1
        row = {
            "id": device.get("id"), "hostname": device.get("hostname"), "device_type": device.get("device_type"),
            "serial_number": device.get("serial_number"), "status": status, "reason": reason,
            "in_play": device.get("hostname") in in_play,
            "timings": {"serial_registered": seen.get("serial_replaced") or seen.get("serial_registered"),
                        "config_generated": seen.get("config_generated") or seen.get("config_failed"),
                        "deployment_started": started, "settled": settled, "deploy_seconds": deploy_seconds},
        }
        row.update(fortiztp.get(device.get("hostname")) or {})
        model = (models or {}).get(device.get("hostname"))
        if model:
            row["model_detected"] = model
            row["model_fits"] = model_fits(device.get("device_type"), model)
        if plan is not None:
            row["planned"] = (planned.get(device.get("hostname")) or {}).get("actions", [])
            row["planned_reason"] = (planned.get(device.get("hostname")) or {}).get("reason")
        rows.append(row)
    if plan is not None and not manifest.get("devices"):
        # A new site in check mode: the plan is all there is.
        for row in plan["devices"]:
            rows.append({"id": None, "hostname": row["hostname"], "device_type": row["device_type"],
                         "serial_number": row["serial_number"], "status": row["status"], "reason": None,
                         "in_play": row["hostname"] in in_play, "planned": row["actions"],
                         "planned_reason": row["reason"],
                         "timings": dict.fromkeys(("serial_registered", "config_generated", "deployment_started",
                                                   "settled", "deploy_seconds"))})
            rows[-1].update(fortiztp_columns(row))
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    missing = not_in_run(manifest, held or []) if manifest.get("devices") else list((plan or {}).get("not_in_run") or [])
    if plan is not None:
        result = "plan"
    else:
        misplaced = [r for r in rows if r["in_play"] and r.get("fortiztp")]
        if error or online_in_play != len(in_play) or misplaced:
            result = "failed"
        else:
            result = "partial" if missing else "success"
    stamps = [e.get("timestamp") for e in events or [] if e.get("timestamp")]
    if waves and len(waves) > 1:
        wave_of = dict((host, wave["number"]) for wave in waves for host in wave["hosts"])
        for row in rows:
            row["wave"] = wave_of.get(row["hostname"])
    return {
        "site_id": site.get("ztp_site_id"),
        "manifest": {"id": manifest.get("id"), "name": site.get("ztp_manifest_name"), "status": manifest.get("status"),
                     "topology_source": manifest.get("topology_source") or site.get("ztp_topology_source")},
        "result": result,
        "error": error or None,
        "not_in_run": missing,
        "fortiztp_enabled": bool(fortiztp_enabled),
        "counts": counts,
        "device_total": len(rows),
        "as_of": max(stamps) if stamps else None,
        "devices": rows,
        "waves": wave_results(waves, rows) if waves and len(waves) > 1 else [],
        "plan": plan,
    }


def not_online_text(report):
    """``fw-prod-01 (failed: ZTP_NOT_PROVISIONED), ...`` for the hosts of the play that are not online, or
    not where the site wants them in FortiZTP."""
    def why(device):
        return "; ".join(text for text in (device["reason"], device.get("fortiztp")) if text)

    return ", ".join("%s (%s%s)" % (d["hostname"], d["status"], ": %s" % why(d) if why(d) else "")
                     for d in report["devices"] if d["in_play"] and (d["status"] != "online" or d.get("fortiztp")))


def missing_text(report):
    """`` Not in this run: manifest M: 2 device(s) not in this run's inventory: a, b.``, or nothing."""
    if not report.get("not_in_run"):
        return ""
    return " Not in this run: %s." % not_in_run_text(report["manifest"]["name"], report["not_in_run"])


def summary_text(report):
    counts = ", ".join("%s=%s" % (k, v) for k, v in sorted(report["counts"].items(), key=lambda kv: str(kv[0])))
    return "Rollout of %s: %s; %s.%s" % (
        report["manifest"]["name"], report["result"], counts or "no devices", missing_text(report))


def failure_text(report, report_html):
    error = report.get("error")
    devices = ""
    if report["devices"]:  # none when the plan failed: nothing was read
        devices = " Devices: %s. Not online: %s." % (
            ", ".join("%s=%s" % (k, v) for k, v in sorted(report["counts"].items(), key=lambda kv: str(kv[0]))),
            not_online_text(report) or "none")
    return "Rollout of %s failed%s.%s%s Report: %s" % (
        report["manifest"]["name"], " at %s" % error if error else "", devices, missing_text(report), report_html)


def artifact(report, report_json, report_html):
    """What ``set_stats`` publishes for AWX: the counts and every device's outcome."""
    return {
        "site_id": report["site_id"], "manifest_id": report["manifest"]["id"], "result": report["result"],
        "counts": report["counts"], "not_in_run": report["not_in_run"], "report_json": report_json,
        "report_html": report_html,
        "devices": [{"hostname": d["hostname"], "serial_number": d["serial_number"], "status": d["status"],
                     "reason": d["reason"]} for d in report["devices"]],
    }


def index_entry(report, report_dir, index_dir):
    """A site's line in the run's index page: its result and counts, and where its report is."""
    return {
        "site_id": report["site_id"], "manifest": report["manifest"]["name"], "result": report["result"],
        "error": report.get("error"), "counts": report["counts"], "device_total": report["device_total"],
        "not_in_run": report.get("not_in_run") or [],
        "report_html": relative_link(index_dir, report_dir, "rollout-report.html"),
        "report_json": relative_link(index_dir, report_dir, "rollout-report.json"),
    }


def relative_link(index_dir, report_dir, name):
    """The index links with relative URLs, so the folder can be moved or served."""
    return os.path.relpath(os.path.join(report_dir, name), index_dir)


# An index's result: the first of these that one of its sites has, else the sites' one result.
INDEX_RESULTS = ("failed", "running", "partial", "plan", "success")


def run_index(previous, run, sites, name, entry, reported=None):
    """The index after site ``name`` of run ``run`` reported: every site with a report, whichever run wrote it
    (the slices of a sliced AWX job are runs of their own, each holding some of the sites; an earlier run),
    and the sites of this run (``sites``) not reported yet as ``running``. Each site carries its run.
    ``reported(entry)`` tells whether the report an entry of the ``previous`` index links still exists (those
    whose report is gone are left out; a ``running`` site of another run stays until that run reports it).
    ``result`` is failed as soon as one site failed, else running while one runs, else partial when one is."""
    index = {"run": run, "sites": {}}
    for other, held in ((previous or {}).get("sites") or {}).items():
        if held.get("result") == "running" or reported is None or reported(held):
            index["sites"][other] = held
    for site in sites:
        if index["sites"].get(site, {}).get("run") != run:
            index["sites"][site] = {"result": "running", "run": run}
    index["sites"][name] = dict(entry, run=run)
    results = set(s["result"] for s in index["sites"].values())
    index["result"] = next((result for result in INDEX_RESULTS if result in results), sorted(results)[0])
    return index
