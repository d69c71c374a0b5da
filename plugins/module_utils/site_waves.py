# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waves: a site cut into parts rolled out in order, and which of them a run rolls out. No I/O."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.configs import HAS_CONFIG_STATUSES
from ansible_collections.breakwater.ztp.plugins.module_utils.limits import check_least
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError
from ansible_collections.breakwater.ztp.plugins.module_utils.site_checks import problem
from ansible_collections.breakwater.ztp.plugins.module_utils.site_planning import ACTIONS, DEPLOY, SERIAL_ACTIONS

# The variables these rules read, as users write them: site_vars.SITE_VARIABLES lists them under these
# names, and every message here names them through these constants.
WAVES, WAVE_SIZE, ONLY_WAVE, MAX_FAILURES = "rollout_waves", "rollout_wave_size", "rollout_wave", "rollout_max_failures"


def plan_waves(devices, wave_members=None, wave_size=None, only_wave=None):
    """(waves, problems, warnings): the site's devices cut into waves, rolled out in order.

    ``wave_members`` is ``[(pattern, hostnames it matches), ...]`` from ``rollout_waves``: a device
    is in the first wave whose pattern matches it, and every device must be in one. Else
    ``wave_size`` cuts the devices in inventory order; with neither there is one wave. Each wave
    is ``{"number", "pattern", "hosts", "run"}``; ``run`` is false for the waves ``only_wave``
    (``rollout_wave``) leaves out. An empty wave keeps its number, so that ``rollout_wave``
    means the same wave in every job of a workflow.
    """
    problems, warnings = [], []
    names = [d["hostname"] for d in devices]
    if wave_members and wave_size:
        problems.append(problem(WAVE_SIZE, "%s: set %s or %s, not both" % (wave_size, WAVES, WAVE_SIZE)))
    if wave_members:
        placed, waves = set(), []
        for number, (pattern, matched) in enumerate(wave_members, start=1):
            matched = set(matched)
            hosts = [name for name in names if name in matched and name not in placed]
            placed.update(hosts)
            if not hosts:
                warnings.append("%s[%d] (%s) matches no device of the site that an earlier wave does "
                                "not hold: wave %d has nothing to do" % (WAVES, number - 1, pattern, number))
            waves.append({"number": number, "pattern": pattern, "hosts": hosts})
        left = [name for name in names if name not in placed]
        if left:
            problems.append(problem(WAVES, "%s in no wave (a last wave 'all' takes the rest)" % ", ".join(left)))
    elif wave_size is not None:
        try:
            check_least(WAVE_SIZE, wave_size)
        except InputError as exc:
            problems.append(str(exc))
            wave_size = len(names) or 1
        waves = [{"number": n + 1, "pattern": None, "hosts": names[i:i + wave_size]}
                 for n, i in enumerate(range(0, len(names), wave_size))] or [{"number": 1, "pattern": None, "hosts": []}]
    else:
        waves = [{"number": 1, "pattern": None, "hosts": names}]
    if only_wave is not None and not 1 <= only_wave <= len(waves):
        problems.append(problem(ONLY_WAVE, "%s: the site has %d wave(s), numbered from 1" % (only_wave, len(waves))))
    for wave in waves:
        wave["run"] = only_wave is None or wave["number"] == only_wave
    return waves, problems, warnings


def apply_waves(plan, waves):
    """Put the waves in the plan: each device row gets its wave; devices of waves this run leaves
    out keep only their serial actions (a site's serials are registered whole). Returns the warnings
    for devices Breakwater would deploy with an earlier wave (it deploys every device holding a
    config that is not online)."""
    wave_of = dict((host, wave["number"]) for wave in waves for host in wave["hosts"])
    plan["waves"] = waves
    running = running_waves(plan)
    for row in plan["devices"]:
        row["wave"] = wave_of.get(row["hostname"], 1)
        if row["wave"] not in running and any(a not in SERIAL_ACTIONS for a in row["actions"]):
            row["actions"] = [a for a in row["actions"] if a in SERIAL_ACTIONS]
            row["reason"] = "wave %d, not in this run" % row["wave"]
    counts = dict((action, sum(1 for r in plan["devices"] if action in r["actions"])) for action in ACTIONS)
    plan["counts"] = dict((k, v) for k, v in counts.items() if v)
    plan["changed"] = bool(plan["manifest"]["action"]) or any(r["actions"] for r in plan["devices"])
    deploying = [number for number in running if any(
        DEPLOY in r["actions"] for r in plan["devices"] if r["wave"] == number)]
    if len(waves) < 2 or not deploying:
        return []
    return ["%s (wave %d) holds a config and is not online: Breakwater deploys it with wave %d (a deployment "
            "deploys every device that holds a config)" % (r["hostname"], r["wave"], deploying[0])
            for r in plan["devices"] if r["wave"] > deploying[0] and r["status"] in HAS_CONFIG_STATUSES
            and r["status"] != "online" and not any(a in SERIAL_ACTIONS for a in r["actions"])]


def waves_text(plan):
    """`` in 3 waves (this run: wave 2)``, or nothing for a rollout in one wave."""
    waves = plan.get("waves") or []
    if len(waves) < 2:
        return ""
    running = running_waves(plan)
    return " in %d waves%s" % (len(waves), "" if len(running) == len(waves) else " (this run: wave %s)" % ", ".join(
        str(number) for number in running))


def running_waves(plan):
    """The numbers of the waves this run rolls out, in order (all but with ``rollout_wave``)."""
    return [wave["number"] for wave in plan.get("waves") or [] if wave["run"]]


def later_waves(plan, wave):
    """The numbers of the waves this run rolls out after wave number ``wave``."""
    return [number for number in running_waves(plan) if number > wave]


def run_hosts(plan):
    """The devices this run rolls out: those of its waves (all but with ``rollout_wave``)."""
    running = running_waves(plan)
    return [r["hostname"] for r in plan["devices"] if not running or r.get("wave", 1) in running]


def wave_rows(wave, rows):
    """``rows`` of wave number ``wave`` (all of them when ``wave`` is None: a rollout without waves)."""
    if wave is None:
        return rows
    return [row for row in rows if row.get("wave", 1) == wave]


def wave_label(plan, wave):
    """``wave 2 of 3``, for progress lines and messages."""
    return "wave %d of %d" % (wave, len(plan.get("waves") or [None]))


def wave_prefix(plan, wave):
    """``wave 2 of 3: `` before a line about wave ``wave`` when the plan has several waves, else nothing."""
    return "%s: " % wave_label(plan, wave) if wave and len(plan.get("waves") or []) > 1 else ""


def wave_failures(plan, wave, undeployed):
    """The devices of wave number ``wave`` among ``undeployed`` (the manifest's devices not online)."""
    hosts = set(host for w in plan.get("waves") or [] if w["number"] == wave for host in w["hosts"])
    return [device for device in undeployed if device.get("hostname") in hosts]


def next_wave(plan, wave):
    """The number of the next wave this run rolls out after ``wave``, or None."""
    later = later_waves(plan, wave)
    return later[0] if later else None


def first_wave(plan, wave):
    """Whether ``wave`` is the first this run rolls out (or the run has no waves): the site's FortiZTP
    target is set up with it."""
    running = running_waves(plan)
    return wave is None or not running or wave == running[0]


def stopping(plan, wave):
    """``; waves 3, 4 not started``: what a failed wave stops."""
    later = [str(number) for number in later_waves(plan, wave)] if wave else []
    return "; wave%s %s not started" % ("s" if len(later) > 1 else "", ", ".join(later)) if later else ""


def tolerated(failures, max_failures):
    """Whether a wave's ``failures`` are within ``rollout_max_failures`` (the next waves still start)."""
    return len(failures) <= max_failures


def config_failures(plan, wave, failures, max_failures, prefix=""):
    """(error, warning) for a wave's config failures: beyond ``rollout_max_failures`` they stop the
    run (the waves it stops named), within it they warn and the others go on."""
    if not failures:
        return None, None
    message = "%s%d config(s) failed: %s" % (prefix, len(failures), "; ".join(
        "%s: %s (template %s, variable %s)" % (f["hostname"], f["code"], f["template_id"], f["variable"])
        for f in failures))
    if not tolerated(failures, max_failures):
        return message + stopping(plan, wave), None
    return None, message + " (within %s %d: the others go on)" % (MAX_FAILURES, max_failures)


def wave_gate(plan, wave, undeployed, max_failures, prefix=""):
    """The error that keeps the waves after ``wave`` from starting: its devices not online (among
    ``undeployed``) beyond ``rollout_max_failures``. None when they may start, and after the last wave
    (the report tells how the site ended)."""
    if not wave or next_wave(plan, wave) is None:
        return None
    failures = wave_failures(plan, wave, undeployed)
    if tolerated(failures, max_failures):
        return None
    return "%s%d device(s) not online (%s %d): %s%s" % (
        prefix, len(failures), MAX_FAILURES, max_failures, ", ".join(
            "%s (%s: %s)" % (d["hostname"], d["status"], d["status_reason"]) for d in failures), stopping(plan, wave))
