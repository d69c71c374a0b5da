# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of a site before any write: inventory, templates, manifest, FortiZTP, models.

Plain data in, located problems out (``<host or setting>: <field> <value> <why>``); no I/O.
"""

from __future__ import annotations

import json
import re

from ansible_collections.breakwater.ztp.plugins.module_utils.serials import normalize_serial, serial_problem


def problem(where, message):
    """A reason the rollout cannot start, located: ``<host or setting>: <field> <value> <why>``."""
    return "%s: %s" % (where, message)


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
            problems.append(problem(hostname, "serial_number %s %s" % (json.dumps(serial), serial_problem(serial))))
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
    wanted_topology = site.get("ztp_topology_source")
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


def not_in_run(manifest, hostnames):
    """The manifest's devices with no device in the run's inventory (``hostnames``), in manifest order: a slice,
    a ``--limit`` or a forgotten host. None of them when the inventory holds no device (the run then works on the
    manifest's devices) or the manifest does not exist yet (its devices are not known before it is created)."""
    held = set(hostnames)
    if not held:
        return []
    return [d.get("hostname") for d in (manifest or {}).get("devices") or [] if d.get("hostname") not in held]


def not_in_run_text(manifest_name, missing):
    """``manifest Production Floor A: 2 device(s) not in this run's inventory: sw-03, sw-04``."""
    return "manifest %s: %d device(s) not in this run's inventory: %s" % (manifest_name, len(missing), ", ".join(missing))


def whole_site_problems(site, missing):
    """With ``rollout_require_whole_site``, a run that holds part of the manifest's devices is refused."""
    if not missing or not site.get("rollout_require_whole_site"):
        return []
    return [problem("rollout_require_whole_site", "%s; add them to the inventory (or run without "
                    "rollout_require_whole_site, for a partial result)" % not_in_run_text(site.get("ztp_manifest_name"), missing))]


def fortiztp_problems(site, devices, records, fortimanagers, scripts, target=True):
    """FortiZTP must know every Fortinet device, and (``target``: to provision them) the FortiGates need a
    FortiManager target and the script."""
    fortinet = fortinet_devices(site, devices)
    if not site.get("rollout_fortiztp_enabled") or not fortinet:
        return []
    problems = []
    if target and (not site.get("ztp_fortimanager_sn") or not site.get("ztp_fortimanager_ip")):
        problems.append(problem("ztp_fortimanager_sn", "%d Fortinet device(s) need a FortiManager target: set "
                                "ztp_fortimanager_sn and ztp_fortimanager_ip, or rollout_fortiztp_enabled=false"
                                % len(fortinet)))
    missing = [d["serial_number"] for d in fortinet if d["serial_number"] not in records]
    if missing:
        problems.append(problem("FortiZTP", "does not know %s (add them to the FortiCloud account, or check their "
                                "serial numbers)" % ", ".join(missing)))
    script = site.get("ztp_fortiztp_script")
    if target and script and not site.get("ztp_fortiztp_script_content") and script not in set(s.get("name") for s in scripts or []):
        problems.append(problem("ztp_fortiztp_script", "FortiZTP has no pre-run script named %s; create it or give "
                                "its content with ztp_fortiztp_script_content" % script))
    return problems


def preflight_failure(problems, kind=""):
    """The one message of a preflight that stops a run before any write: ``Preflight: 2 problem(s), ...``."""
    return "Preflight: %d %sproblem(s), nothing written: %s" % (len(problems), kind and kind + " ", "; ".join(problems))


def fortinet_devices(site, devices):
    pattern = re.compile(site.get("fortiztp_provision_device_type_pattern") or "^forti")
    return [d for d in devices if pattern.search(d["device_type"] or "")]


def swapped_serials(site, devices, manifest):
    """The serials Breakwater holds for the site's Fortinet devices where the inventory names another."""
    held = dict((d.get("hostname"), d.get("serial_number")) for d in (manifest or {}).get("devices") or [])
    return [held[d["hostname"]] for d in fortinet_devices(site, devices)
            if held.get(d["hostname"]) and held[d["hostname"]] != d["serial_number"]]


def fortigates(site, devices):
    pattern = re.compile(site.get("rollout_fortigate_pattern") or "^fortigate_")
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


def model_check(rows, results, strict):
    """(mismatches, error) for the models Breakwater detected on registration (``results`` of the serial
    module), noted in the plan's ``rows`` for the report. A unit of another model is an error with
    ``serials_strict_model``, else a warning."""
    models = dict((r["hostname"], r["model_detected"]) for r in results if r.get("model_detected"))
    for row in rows:
        row["model_detected"] = models.get(row["hostname"], row.get("model_detected"))
    mismatches = model_mismatches([r for r in rows if r["hostname"] in models], models)
    error = None
    if mismatches and strict:
        error = "serials_strict_model: %d unit(s) of another model, nothing built or deployed: %s" % (
            len(mismatches), "; ".join(mismatches))
    return mismatches, error
