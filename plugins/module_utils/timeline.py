# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report's timeline: per device where its time went (registered, config generated, deploying, settled).

Pure: drawn from the report's rows (their ``timings`` come from the manifest's events); the page
places each bar with the percentages computed here, so the template only loops.
"""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.site_results import FAILED_STATUSES, _parse_time

SLOWEST = 10  # how many devices the summary names as the slowest
SLOW_FACTOR = 1.5  # a device stands out as slow from this multiple of the median deployment time on
TICKS = 5  # time labels under the axis, both ends included
POINTS = ("serial_registered", "config_generated", "deployment_started", "settled")  # a bar's moments, in order


def _seconds(start, end):
    return int((end - start).total_seconds()) if start and end else None


def _percent(moment, start, span):
    return round(100.0 * (moment - start).total_seconds() / span, 2) if span else 0.0


def _median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return (ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2.0) if ordered else None


def _segments(points, settled_kind, start, end, span):
    """The bar of one device: ``build`` (serial registered to config generated), ``wait`` (config to its
    deployment), ``deploy`` (deployment to online or failed, ``settled_kind``; open-ended to the axis'
    end while it runs). A serial registered before the axis starts begins at the axis' start."""
    registered, config, started, settled = points
    pieces = []
    if config:
        pieces.append(("build", max(registered, start) if registered else config, config))
    if started:
        if config and config < started:
            pieces.append(("wait", config, started))
        pieces.append((settled_kind, started, settled or end))
    elif pieces and settled_kind == "failed":  # its config failed: no deployment
        pieces[-1] = ("failed",) + pieces[-1][1:]
    return [{"kind": kind, "left": _percent(first, start, span),
             "width": max(_percent(last, start, span) - _percent(first, start, span), 0.3)}
            for kind, first, last in pieces]


def _axis(rows):
    """(start, end) of the rollout: from the first config or deployment (a serial may have been registered
    days before) to the last event; the registrations when nothing else happened yet."""
    later, registered = [], []
    for row in rows:
        timings = row.get("timings") or {}
        points = [_parse_time(timings.get(k)) for k in POINTS]
        registered.extend(t for t in points[:1] if t)
        later.extend(t for t in points[1:] if t)
    moments = later or registered
    if not moments:
        return None, None
    return min(moments), max(moments + registered)


def timeline(report, slowest=SLOWEST):
    """The report's timeline: ``axis`` (start, end, ticks as ``{"left", "label"}``), ``groups`` (one per
    wave in order, or one without waves), each ``{"wave", "pattern", "result", "rows"}`` with the rows
    sorted by when their deployment started; per row ``device`` (the report's row), ``segments`` (each
    ``kind``, ``left`` and ``width`` in percent of the axis), ``total_seconds``, ``failed`` and ``slow``;
    ``slowest`` (the devices that took longest to deploy, slowest first, each ``device`` and ``slow``), ``failures`` (the failed
    devices' report rows), ``median_deploy`` and ``statuses`` (for the filter).
    """
    rows = report.get("devices") or []
    start, end = _axis(rows)
    span = (end - start).total_seconds() if start else 0
    deploy_times = [r["timings"]["deploy_seconds"] for r in rows
                    if (r.get("timings") or {}).get("deploy_seconds") is not None]
    median = _median(deploy_times)
    ranked = sorted((r for r in rows if (r.get("timings") or {}).get("deploy_seconds") is not None),
                    key=lambda r: (-r["timings"]["deploy_seconds"], r["hostname"] or ""))[:slowest]
    slow_names = set(r["hostname"] for r in ranked
                     if median is not None and r["timings"]["deploy_seconds"] >= SLOW_FACTOR * median > 0)
    drawn = []
    for row in rows:
        timings = row.get("timings") or {}
        points = [_parse_time(timings.get(k)) for k in POINTS]
        failed = row.get("status") in FAILED_STATUSES
        kind = "failed" if failed else ("online" if row.get("status") == "online" else "deploying")
        drawn.append({
            "device": row, "total_seconds": _seconds(points[0] or points[1], points[3]),
            "segments": _segments(points, kind, start, end, span) if start else [],
            "failed": failed, "slow": row.get("hostname") in slow_names, "started": points[2]})
    waves = report.get("waves") or []
    groups = ([{"wave": w["number"], "pattern": w.get("pattern"), "result": w.get("result"), "rows": []} for w in waves]
              or [{"wave": None, "pattern": None, "result": None, "rows": []}])
    index = dict((group["wave"], group) for group in groups)
    for item in drawn:
        wave = item["device"].get("wave")
        if wave not in index:  # a device of the manifest that no wave holds
            index[wave] = {"wave": None, "pattern": None, "result": None, "rows": []}
            groups.append(index[wave])
        index[wave]["rows"].append(item)
    last = start or end
    for group in groups:
        group["rows"].sort(key=lambda r: (r["started"] is None, r["started"] or last, r["device"].get("hostname") or ""))
        for item in group["rows"]:
            del item["started"]
    ticks = ([{"left": round(100.0 * n / (TICKS - 1), 2),
               "label": (start + (end - start) * n / (TICKS - 1)).strftime("%H:%M:%S")} for n in range(TICKS)]
             if start and span else [])
    return {
        "axis": {"start": start.strftime("%Y-%m-%dT%H:%M:%SZ") if start else None,
                 "end": end.strftime("%Y-%m-%dT%H:%M:%SZ") if end else None,
                 "seconds": int(span), "ticks": ticks},
        "groups": groups,
        "slowest": [{"device": r, "slow": r["hostname"] in slow_names} for r in ranked],
        "failures": [r["device"] for r in drawn if r["failed"]],
        "median_deploy": median,
        "statuses": sorted(set(str(r.get("status")) for r in rows)),
    }
