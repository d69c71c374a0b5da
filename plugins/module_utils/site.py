# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site: every rule of a rollout, once, without Ansible and without I/O.

A rollout reads the site's state (inventory devices, templates, the manifest, FortiZTP's
records), checks it (the ``*_problems`` functions), decides per device what to do
(:func:`plan_site`), lets the executor do it in bulk, and reports what came of it
(:func:`build_report`). Everything here takes plain data and returns plain, JSON-safe data, so
the unit tests need no server and no Ansible, and check mode can show the plan as it is.
"""

from __future__ import annotations

import datetime
import json
import os
import re

from ansible_collections.breakwater.ztp.plugins.module_utils.serials import normalize_serial, serial_problem

# What a rollout can do to a device, in the order it does it.
REGISTER_SERIAL = "register_serial"
REPLACE_SERIAL = "replace_serial"
GENERATE_CONFIG = "generate_config"
REGENERATE_CONFIG = "regenerate_config"
PROVISION_FORTIZTP = "provision_fortiztp"
DEPLOY = "deploy"
ACTIONS = (REGISTER_SERIAL, REPLACE_SERIAL, GENERATE_CONFIG, REGENERATE_CONFIG, PROVISION_FORTIZTP, DEPLOY)
SERIAL_ACTIONS = (REGISTER_SERIAL, REPLACE_SERIAL)
CONFIG_ACTIONS = (GENERATE_CONFIG, REGENERATE_CONFIG)

# Device statuses in which Breakwater holds a config; the others need one generated.
HAS_CONFIG = frozenset(("config_generated", "deploying", "online", "failed"))
FAILED_STATUSES = frozenset(("failed", "config_failed"))
ISO_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def problem(where, message):
    """A reason the rollout cannot start, located: ``<host or setting>: <field> <value> <why>``."""
    return "%s: %s" % (where, message)


# --- checks before any write -----------------------------------------------------------------
def inventory_devices(hosts):
    """(devices, problems) from ``[(hostname, host_vars), ...]``; no call needed.

    Serials are normalised as the serial module does (strip, upper-case); every problem names
    the host, the field and the value.
    """
    devices, problems, holder = [], [], {}
    for hostname, host_vars in hosts:
        raw = host_vars.get("serial_number")
        serial = normalize_serial(raw) if raw is not None else ""
        device_type = str(host_vars.get("device_type") or "").strip()
        if not serial:
            problems.append(problem(hostname, "no serial_number"))
        elif serial_problem(serial):
            problems.append(problem(hostname, "serial_number %s is not 6-20 characters A-Z, 0-9" % json.dumps(serial)))
        elif serial in holder:
            problems.append(problem(hostname, "serial_number %s is also the serial of %s" % (serial, holder[serial])))
        else:
            holder[serial] = hostname
        if not device_type:
            problems.append(problem(hostname, "no device_type"))
        devices.append({"hostname": hostname, "serial_number": serial, "device_type": device_type})
    return devices, problems


def template_problems(devices, templates, config_templates):
    """Every device type needs a template: the one named in ``config_templates``, of that type, or any of that type."""
    by_id = dict((t.get("id"), t) for t in templates)
    types_with_template = set(t.get("device_type") for t in templates)
    problems = []
    for device_type in sorted(set(d["device_type"] for d in devices if d["device_type"])):
        wanted = (config_templates or {}).get(device_type)
        if wanted:
            if wanted not in by_id:
                problems.append(problem("ztp_config_templates.%s" % device_type, "template %s does not exist" % wanted))
            elif by_id[wanted].get("device_type") != device_type:
                problems.append(problem("ztp_config_templates.%s" % device_type, "template %s is for %s" % (
                    wanted, by_id[wanted].get("device_type"))))
        elif device_type not in types_with_template:
            problems.append(problem(device_type, "no template for this device type"))
    return problems


def manifest_problems(manifest, devices, site):
    """An existing manifest must not be deploying, must know every host, and hold their serials unless replacing."""
    if manifest is None:
        return []
    problems = []
    manifest_id = manifest.get("id")
    if manifest.get("status") == "deploying":
        problems.append(problem("manifest %s" % manifest_id, "is being deployed; wait for it to end"))
    wanted_topology = site.get("topology_source")
    if wanted_topology and manifest.get("topology_source") and manifest["topology_source"] != wanted_topology:
        problems.append(problem("ztp_topology_source", "%s differs from topology %s of manifest %s (a topology is applied "
                                "only on creation)" % (wanted_topology, manifest["topology_source"], manifest_id)))
    known = dict((d.get("hostname"), d) for d in manifest.get("devices") or [])
    unknown = [d["hostname"] for d in devices if d["hostname"] not in known]
    if unknown:
        problems.append(problem("manifest %s" % manifest_id, "has no device named %s" % ", ".join(unknown)))
    if not site.get("serials_replace"):
        for device in devices:
            current = (known.get(device["hostname"]) or {}).get("serial_number")
            if current and device["serial_number"] and current != device["serial_number"]:
                problems.append(problem(device["hostname"], "serial_number %s differs from %s in Breakwater; set "
                                        "serials_replace=true to replace it (an RMA swap)" % (
                                            device["serial_number"], current)))
    return problems


def fortiztp_problems(site, devices, records, fortimanagers, scripts):
    """FortiZTP must know every Fortinet device, and the FortiGates need a FortiManager target and the script."""
    fortinet = fortinet_devices(site, devices)
    if not site.get("fortiztp_enabled") or not fortinet:
        return []
    problems = []
    if not site.get("fortimanager_sn") or not site.get("fortimanager_ip"):
        problems.append(problem("ztp_fortimanager_sn", "%d Fortinet device(s) need a FortiManager target: set "
                                "ztp_fortimanager_sn and ztp_fortimanager_ip, or rollout_fortiztp_enabled=false"
                                % len(fortinet)))
    missing = [d["serial_number"] for d in fortinet if d["serial_number"] not in records]
    if missing:
        problems.append(problem("FortiZTP", "does not know %s (add them to the FortiCloud account, or check their "
                                "serial numbers)" % ", ".join(missing)))
    script = site.get("fortiztp_script")
    if script and not site.get("fortiztp_script_content") and script not in set(s.get("name") for s in scripts or []):
        problems.append(problem("ztp_fortiztp_script", "FortiZTP has no pre-run script named %s; create it or give "
                                "its content with ztp_fortiztp_script_content" % script))
    return problems


def fortinet_devices(site, devices):
    pattern = re.compile(site.get("fortinet_pattern") or "^forti")
    return [d for d in devices if pattern.search(d["device_type"] or "")]


def swapped_serials(site, devices, manifest):
    """The serials Breakwater holds for the site's Fortinet devices where the inventory names another."""
    held = dict((d.get("hostname"), d.get("serial_number")) for d in (manifest or {}).get("devices") or [])
    return [held[d["hostname"]] for d in fortinet_devices(site, devices)
            if held.get(d["hostname"]) and held[d["hostname"]] != d["serial_number"]]


def fortigates(site, devices):
    pattern = re.compile(site.get("fortigate_pattern") or "^fortigate_")
    return [d for d in devices if pattern.search(d["device_type"] or "")]


def _letters_and_digits(text):
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def model_fits(device_type, model):
    """Whether the model Breakwater detected from a serial fits the planned device type.

    A device type ends in a model code (``cisco_ie3300``: 3300, ``fortigate_60f``: 60f,
    ``fortinet_fap231f``: 231f); the detected model must contain it (``IE-3300-8T2S-E``,
    ``FortiGate-60F``, ``FortiAP-231F``). Without a model, or a type without a code, nothing
    can be told: it fits.
    """
    code = model_code(device_type)
    if not model or not code:
        return True
    return code in _letters_and_digits(model)


def model_code(device_type):
    """The model code a device type ends in (``cisco_ie3300``: ``3300``), which the unit's model must
    contain; None for a type without one."""
    code = re.search(r"\d[a-z0-9]*$", _letters_and_digits(str(device_type or "").rsplit("_", maxsplit=1)[-1]))
    return code.group(0) if code else None


def model_mismatches(rows, models):
    """``host: model_detected M does not fit device_type T`` for each registered unit of another model."""
    return [problem(row["hostname"], "model_detected %s does not fit device_type %s" % (
        models[row["hostname"]], row["device_type"]))
        for row in rows if not model_fits(row["device_type"], models.get(row["hostname"]))]


# --- sites -----------------------------------------------------------------------------------
SITE_KEYS = ("ztp_site_id", "ztp_manifest_id", "ztp_manifest_name")


def group_sites(hosts):
    """(sites, problems) from ``[(hostname, host_vars), ...]``: the devices of each site, in order.

    A site is the devices sharing ``ztp_site_id`` and manifest (``ztp_manifest_id``, else
    ``ztp_manifest_name``), usually a group with those variables. Hosts without
    ``serial_number`` and ``device_type`` are not devices. Each site is ``{"name", "site_id",
    "manifest", "hosts", "vars_from"}``; its name is its site id, with the manifest when the
    site id holds several.
    """
    sites, problems, order = {}, [], []
    for hostname, host_vars in hosts:
        if host_vars.get("serial_number") is None and host_vars.get("device_type") is None:
            continue
        site_id = host_vars.get("ztp_site_id")
        manifest = host_vars.get("ztp_manifest_id") or host_vars.get("ztp_manifest_name")
        if not site_id or not manifest:
            problems.append(problem(hostname, "no %s: a device belongs to a site (set ztp_site_id and "
                                    "ztp_manifest_name on its group)" % ("ztp_site_id" if not site_id
                                                                         else "ztp_manifest_name")))
            continue
        key = (str(site_id), str(manifest))
        if key not in sites:
            sites[key] = {"site_id": key[0], "manifest": key[1], "hosts": [], "vars_from": hostname, "devices": {}}
            order.append(key)
        sites[key]["hosts"].append(hostname)
        # Read once here: on a site host the plan takes them from here, not from 1,000 hosts' variables again.
        sites[key]["devices"][hostname] = {"serial_number": host_vars.get("serial_number"),
                                           "device_type": host_vars.get("device_type")}
    per_site_id = status_counts([{"id": key[0]} for key in order], "id")
    for key in order:
        slug = re.sub(r"[^a-z0-9]+", "_", key[1].lower()).strip("_")
        sites[key]["name"] = key[0] if per_site_id[key[0]] == 1 else "%s-%s" % (key[0], slug)
    return [sites[key] for key in order], problems


def pack_devices(site):
    """A site's devices as one JSON text ``[[hostname, serial_number, device_type], ...]``: handed to
    its host as a single string, Ansible need not template 1,000 entries (half a second)."""
    return json.dumps([[host, site["devices"][host]["serial_number"], site["devices"][host]["device_type"]]
                       for host in site["hosts"]], separators=(",", ":"))


def unpack_devices(text):
    """``[(hostname, {serial_number, device_type}), ...]`` from :func:`pack_devices`."""
    return [(host, {"serial_number": serial, "device_type": device_type})
            for host, serial, device_type in json.loads(text)]


def index_entry(report, report_dir, index_dir):
    """A site's line in the run's index page: its result and counts, and where its report is."""
    return {
        "site_id": report["site_id"], "manifest": report["manifest"]["name"], "result": report["result"],
        "error": report.get("error"), "counts": report["counts"], "device_total": report["device_total"],
        "report_html": relative_link(index_dir, report_dir, "rollout-report.html"),
        "report_json": relative_link(index_dir, report_dir, "rollout-report.json"),
    }


def relative_link(index_dir, report_dir, name):
    """The index links with relative URLs, so the folder can be moved or served."""
    return os.path.relpath(os.path.join(report_dir, name), index_dir)


def run_index(previous, run, sites, name, entry):
    """The run's index after site ``name`` reported: every site of the run, those not reported yet
    as ``running``; an index of an earlier run is started afresh. ``result`` is failed as soon as one
    site failed, else running until every site reported."""
    index = previous if previous and previous.get("run") == run else {"run": run, "sites": {}}
    for site in sites:
        index["sites"].setdefault(site, {"result": "running"})
    index["sites"][name] = entry
    results = [s["result"] for s in index["sites"].values()]
    index["result"] = "failed" if "failed" in results else ("running" if "running" in results else results[0])
    return index


# --- the plan --------------------------------------------------------------------------------
def fortiztp_provisioned(record):
    return bool(record) and record.get("provisionStatus") == "provisioned" and \
        record.get("provisionTarget") == "FortiManager"


def manifest_changes(site, manifest):
    """The manifest fields a rollout sets that differ (all of them when it does not exist)."""
    desired = {"description": site.get("description"), "config_templates": site.get("config_templates") or None}
    desired = dict((k, v) for k, v in desired.items() if v)
    if manifest is None:
        return desired
    changes = {}
    for key, value in desired.items():
        have = manifest.get(key)
        if isinstance(value, dict) and isinstance(have, dict):
            if any(have.get(k) != v for k, v in value.items()):
                changes[key] = dict(have, **value)
        elif have != value:
            changes[key] = value
    return changes


def stale_config(device, wanted_template, template_versions):
    """Why the config a device holds is not current, or None.

    Current means rendered from the device's template at that template's present version. A
    server that does not say which version a config was rendered from (``template_version``, an
    extension of the lab) is judged by the template alone.
    """
    used = device.get("template_used")
    template = wanted_template or device.get("config_template")
    if template and device.get("config_template") and device["config_template"] != template:
        return "template %s replaces %s" % (template, device["config_template"])
    if used and template and used != template:
        return "rendered from %s, not %s" % (used, template)
    version, present = device.get("template_version"), template_versions.get(template)
    if used and version and present and version != present:
        return "template %s %s replaces %s" % (template, present, version)
    return None


def plan_site(site, devices, manifest, fortiztp_records=None, templates=None):
    """What the rollout will do: the manifest's action and, per device, its actions with their reasons.

    ``manifest`` is the existing manifest with its devices, or None (it will be created);
    ``templates`` the Breakwater templates (their versions tell a stale config).
    """
    fortiztp_records = fortiztp_records or {}
    template_versions = dict((t.get("id"), t.get("version")) for t in templates or [])
    fortinet = set(d["hostname"] for d in fortinet_devices(site, devices)) if site.get("fortiztp_enabled") else set()
    known = dict((d.get("hostname"), d) for d in (manifest or {}).get("devices") or [])
    templates = site.get("config_templates") or {}
    rows = []
    for device in devices:
        current = known.get(device["hostname"]) or {}
        status = current.get("status") or "pending"
        actions, reasons = [], []
        have_serial = current.get("serial_number")
        if not have_serial:
            actions.append(REGISTER_SERIAL)
            reasons.append("no serial in Breakwater yet")
        elif have_serial != device["serial_number"]:
            actions.append(REPLACE_SERIAL)
            reasons.append("serial %s replaces %s" % (device["serial_number"], have_serial))
        template = templates.get(device["device_type"])
        if actions or status not in HAS_CONFIG:
            replacing = REPLACE_SERIAL in actions
            actions.append(GENERATE_CONFIG)
            reasons.append("a new serial needs a new config" if replacing else "no config yet")
        elif site.get("configs_force"):
            actions.append(REGENERATE_CONFIG)
            reasons.append("configs_force=true")
        elif stale_config(current, template, template_versions):
            actions.append(REGENERATE_CONFIG)
            reasons.append(stale_config(current, template, template_versions))
        if device["hostname"] in fortinet and not fortiztp_provisioned(fortiztp_records.get(device["serial_number"])):
            actions.append(PROVISION_FORTIZTP)
            reasons.append("not provisioned to a FortiManager in FortiZTP")
        if actions or status != "online":
            actions.append(DEPLOY)
            reasons.append("%s, not online yet" % status if status != "online" else "changed, so deployed again")
        row = {
            "hostname": device["hostname"], "device_type": device["device_type"],
            "serial_number": device["serial_number"], "id": current.get("id"), "status": status,
            "actions": actions, "reason": "; ".join(reasons) if reasons else "online, nothing to do",
        }
        swapped_out = fortiztp_records.get(have_serial) or {}
        if REPLACE_SERIAL in actions and device["hostname"] in fortinet and \
                swapped_out.get("provisionStatus") == "provisioned":
            row["unprovision_serial"] = have_serial  # the unit swapped out leaves its FortiManager
        rows.append(row)
    changes = manifest_changes(site, manifest)
    if manifest is None:
        manifest_action = "create"
    elif changes:
        manifest_action = "update"
    else:
        manifest_action = None
    counts = dict((action, sum(1 for r in rows if action in r["actions"])) for action in ACTIONS)
    return {
        "site_id": site.get("site_id"),
        "manifest": {"id": (manifest or {}).get("id"), "name": site.get("manifest_name"),
                     "status": (manifest or {}).get("status"), "action": manifest_action,
                     "changes": sorted(changes), "cable_schedule": bool((manifest or {}).get("cable_schedule"))},
        "devices": rows,
        "counts": dict((k, v) for k, v in counts.items() if v),
        "changed": bool(manifest_action) or any(r["actions"] for r in rows),
    }


# --- waves -----------------------------------------------------------------------------------
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
        problems.append(problem("rollout_wave_size", "%s: set rollout_waves or rollout_wave_size, not both" % wave_size))
    if wave_members:
        placed, waves = set(), []
        for number, (pattern, matched) in enumerate(wave_members, start=1):
            matched = set(matched)
            hosts = [name for name in names if name in matched and name not in placed]
            placed.update(hosts)
            if not hosts:
                warnings.append("rollout_waves[%d] (%s) matches no device of the site that an earlier wave does "
                                "not hold: wave %d has nothing to do" % (number - 1, pattern, number))
            waves.append({"number": number, "pattern": pattern, "hosts": hosts})
        left = [name for name in names if name not in placed]
        if left:
            problems.append(problem("rollout_waves", "%s in no wave (a last wave 'all' takes the rest)" % ", ".join(left)))
    elif wave_size is not None:
        if wave_size < 1:
            problems.append(problem("rollout_wave_size", "%s is not a whole number above 0" % wave_size))
            wave_size = len(names) or 1
        waves = [{"number": n + 1, "pattern": None, "hosts": names[i:i + wave_size]}
                 for n, i in enumerate(range(0, len(names), wave_size))] or [{"number": 1, "pattern": None, "hosts": []}]
    else:
        waves = [{"number": 1, "pattern": None, "hosts": names}]
    if only_wave is not None and not 1 <= only_wave <= len(waves):
        problems.append(problem("rollout_wave", "%s: the site has %d wave(s), numbered from 1" % (only_wave, len(waves))))
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
            for r in plan["devices"] if r["wave"] > deploying[0] and r["status"] in HAS_CONFIG
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


def wave_failures(plan, wave, undeployed):
    """The devices of wave number ``wave`` among ``undeployed`` (the manifest's devices not online)."""
    hosts = set(host for w in plan.get("waves") or [] if w["number"] == wave for host in w["hosts"])
    return [device for device in undeployed if device.get("hostname") in hosts]


def next_wave(plan, wave):
    """The number of the next wave this run rolls out after ``wave``, or None."""
    later = later_waves(plan, wave)
    return later[0] if later else None


def devices_with(plan, *actions):
    return [row for row in plan["devices"] if any(a in row["actions"] for a in actions)]


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
    counts = plan.get("counts") or {}
    lines.append("Total: %d device(s)%s; %s" % (len(plan["devices"]), waves_text(plan), ", ".join(
        "%s %d" % (a, counts[a]) for a in ACTIONS if a in counts) or "nothing to do"))
    return "\n".join(lines) + "\n"


# --- progress --------------------------------------------------------------------------------
def status_counts(items, key="status"):
    counts = {}
    for item in items:
        counts[item.get(key)] = counts.get(item.get(key), 0) + 1
    return counts


def progress_line(what, counts, total, done_key):
    """``deployment: online 640/1000, deploying 360, failed 0``: the one line printed per poll."""
    others = ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])) if k != done_key)
    return "%s: %s %d/%d%s" % (what, done_key, counts.get(done_key, 0), total, ", " + others if others else "")


# --- the report ------------------------------------------------------------------------------
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


def build_report(site, manifest, events, play_hosts, error=None, plan=None, fortiztp_enabled=True, models=None,
                 waves=None):
    """The rollout report: per device its status, reason and timings, counts, and the result.

    ``result`` is ``success`` only when there was no error and every host of the play is
    online. With a ``plan`` (check mode) each row carries the planned actions.
    """
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
            counts[row["status"]] = counts.get(row["status"], 0) + 1
    if plan is not None:
        result = "plan"
    else:
        result = "success" if not error and online_in_play == len(in_play) else "failed"
    stamps = [e.get("timestamp") for e in events or [] if e.get("timestamp")]
    if waves and len(waves) > 1:
        wave_of = dict((host, wave["number"]) for wave in waves for host in wave["hosts"])
        for row in rows:
            row["wave"] = wave_of.get(row["hostname"])
    return {
        "site_id": site.get("site_id"),
        "manifest": {"id": manifest.get("id"), "name": site.get("manifest_name"), "status": manifest.get("status"),
                     "topology_source": manifest.get("topology_source") or site.get("topology_source")},
        "result": result,
        "error": error or None,
        "fortiztp_enabled": bool(fortiztp_enabled),
        "counts": counts,
        "device_total": len(rows),
        "as_of": max(stamps) if stamps else None,
        "devices": rows,
        "waves": wave_results(waves, rows) if waves and len(waves) > 1 else [],
        "plan": plan,
    }


def not_online_text(report):
    """``fw-prod-01 (failed: ZTP_NOT_PROVISIONED), ...`` for the hosts of the play that are not online."""
    return ", ".join("%s (%s%s)" % (d["hostname"], d["status"], ": %s" % d["reason"] if d["reason"] else "")
                     for d in report["devices"] if d["in_play"] and d["status"] != "online")


def summary_text(report):
    counts = ", ".join("%s=%s" % (k, v) for k, v in sorted(report["counts"].items(), key=lambda kv: str(kv[0])))
    return "Rollout of %s: %s; %s." % (report["manifest"]["name"], report["result"], counts or "no devices")


def failure_text(report, report_html):
    error = report.get("error")
    devices = ""
    if report["devices"]:  # none when the plan failed: nothing was read
        devices = " Devices: %s. Not online: %s." % (
            ", ".join("%s=%s" % (k, v) for k, v in sorted(report["counts"].items(), key=lambda kv: str(kv[0]))),
            not_online_text(report) or "none")
    return "Rollout of %s failed%s.%s Report: %s" % (
        report["manifest"]["name"], " at %s" % error if error else "", devices, report_html)


def artifact(report, report_json, report_html):
    """What ``set_stats`` publishes for AWX: the counts and every device's outcome."""
    return {
        "site_id": report["site_id"], "manifest_id": report["manifest"]["id"], "result": report["result"],
        "counts": report["counts"], "report_json": report_json, "report_html": report_html,
        "devices": [{"hostname": d["hostname"], "serial_number": d["serial_number"], "status": d["status"],
                     "reason": d["reason"]} for d in report["devices"]],
    }
