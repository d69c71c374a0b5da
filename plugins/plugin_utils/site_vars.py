# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The variables a site rollout reads, their defaults, and the connections they give.

The site plugins (breakwater.ztp.site_plan, site_apply, site_report) read the site from the
play's variables by these names, so a site is described once (inventory, group_vars) and the
credentials and transport options are given once, as ``breakwater_<option>`` and
``fortiztp_<option>`` variables (or the modules' environment variables). The roles' argument
specs document every name here; a unit test keeps the two in step.
"""

from __future__ import annotations

import functools
import os

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import ArgumentTypeError

from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BREAKWATER_ARGUMENT_SPEC
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError, check_transport
from ansible_collections.breakwater.ztp.plugins.module_utils.limits import check_least
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import check_wait_options
from ansible_collections.breakwater.ztp.plugins.module_utils.site_groups import is_device
from ansible_collections.breakwater.ztp.plugins.module_utils.site_waves import MAX_FAILURES, ONLY_WAVE, WAVE_SIZE, WAVES
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import (
    FORTIZTP_ARGUMENT_SPEC, FORTIZTP_REQUIRED_ONE_OF, FORTIZTP_REQUIRED_TOGETHER,
)

# The one table of the roles: each role's entry points and the name the variables below know each by.
ROLE_ENTRY_POINTS = {
    "rollout": {"main": "rollout", "site_report": "site_report", "scan_sheet": "scan_sheet"},
    "manifest": {"main": "manifest"},
    "serials": {"main": "serials"},
    "configs": {"main": "configs"},
    "fortiztp_provision": {"main": "fortiztp_provision"},
}
ALL_STEPS = tuple(name for entries in ROLE_ENTRY_POINTS.values() for name in entries.values())
FORTIZTP = ("rollout", "fortiztp_provision")
SITE = tuple(name for name in ALL_STEPS if name != "fortiztp_provision")


class Variable(object):
    """``defines_site``: part of the site's definition (site_definition); False for a variable read where the
    inventory's devices are read (site_inventory, SiteState), documented here all the same."""

    def __init__(self, kind, default, roles, description, elements=None, choices=None, defines_site=True):
        self.kind, self.default, self.roles = kind, default, roles
        self.description, self.elements, self.choices = description, elements, choices
        self.defines_site = defines_site


# Every variable a site plugin reads (the site definition keeps the names users write): type, default, the roles
# whose argument specs list it, and its description. The roles' meta/argument_specs.yml files are
# generated from this table (scripts/role_argument_specs.py) and a unit test keeps them in step.
SITE_VARIABLES = {
    "ztp_site_id": Variable("str", None, ALL_STEPS, "Breakwater site the manifest belongs to."),
    "ztp_manifest_name": Variable("str", None, ALL_STEPS,
                                  "Name of the site's manifest; with O(ztp_site_id) it identifies the manifest (two manifests of "
                                  "the site with that name are an error: set C(ztp_manifest_id))."),
    "ztp_manifest_id": Variable("str", None, SITE,
                                "Id of the manifest, when the name is not unique in the site; must exist."),
    "ztp_manifest_description": Variable("str", None, ("rollout", "manifest"),
                                         "Free text describing the deployment."),
    "ztp_topology_source": Variable("str", None, ("rollout", "manifest", "site_report"),
                                    "Helm topology the manifest is created from (required to create it; "
                                    "a topology is applied only on creation)."),
    "ztp_config_templates": Variable("dict", None, ("rollout", "manifest"),
                                     "Template per device type; device types not listed use the topology's default. A change makes the "
                                     "configs of the affected devices stale: the rollout regenerates and redeploys those."),
    "ztp_fortimanager_sn": Variable("list", None, FORTIZTP,
                                    "Serial number(s) of the FortiManager the site's Fortinet devices are "
                                    "provisioned to (two for an HA pair).", elements="str"),
    "ztp_fortimanager_ip": Variable("list", None, FORTIZTP,
                                    "IP address(es) or FQDN of that FortiManager.", elements="str"),
    "ztp_fortiztp_script": Variable("str", None, FORTIZTP,
                                    "Pre-run CLI script of the FortiManager target."),
    "ztp_fortiztp_script_content": Variable("str", None, FORTIZTP,
                                            "Content of the pre-run script (else it must exist already)."),
    "ztp_fortiztp_script_src": Variable("path", None, FORTIZTP,
                                        "File holding the content of the pre-run script."),
    "ztp_devices": Variable(
        "list", None, ("rollout", "site_report", "scan_sheet", "serials", "configs", "fortiztp_provision"),
        "On a site host (one inventory host per site, instead of one per device): the site's devices, each "
        "C({hostname, serial_number, device_type}) and optional C(groups), a list of group names that C(rollout_waves) "
        "patterns match (C(all) matches every device). Every entry is checked before any write; a hostname or serial "
        "twice is an error, and so is a site given both ways (a site host and device hosts).",
        elements="dict", defines_site=False),
    "ztp_output_dir": Variable("path", ".", ("rollout", "configs", "site_report", "scan_sheet"),
                               "Root of everything a run writes: reports under C(<ztp_output_dir>/reports/<ztp_site_id>/), intended "
                               "configs under C(<ztp_output_dir>/configs/<ztp_site_id>/). Default: the current directory of the run."),
    "manifest_status": Variable("str", "ready", ("rollout", "manifest"),
                                "Status a new or draft manifest is brought to (a deploying or deployed manifest "
                                "keeps its status).", choices=["draft", "ready"]),
    "serials_from_inventory": Variable("bool", True, ("serials",),
                                       "Register the serials of the play's hosts (host var C(serial_number)); "
                                       "V(false) registers only the CSV."),
    "serials_replace": Variable("bool", False, ("rollout", "serials"),
                                "Replace a serial that differs from the inventory's (an RMA swap). Without it, the preflight names "
                                "every mismatch and the rollout stops before any write."),
    "serials_strict_model": Variable("bool", False, ("rollout", "serials"),
                                     "Fail the rollout before any config is built or deployed when a registered serial's detected model does not "
                                     "fit the device's planned type (a wrong unit on the floor); without it the report and a warning show it."),
    "serials_verification_method": Variable("str", "api", ("rollout", "serials"),
                                            "How the serials were verified.",
                                            choices=["barcode_scan", "csv_import", "manual", "api"]),
    "serials_operator_id": Variable("str", None, ("rollout", "serials"),
                                    "Operator recorded with the registrations."),
    "serials_csv": Variable("path", None, ("serials",),
                            "CSV file to register (columns C(hostname,serial_number[,mac_address]))."),
    "serials_csv_content": Variable("str", None, ("serials",),
                                    "The CSV as text (a survey textarea or a barcode-scanner export), "
                                    "instead of O(serials_csv)."),
    "configs_force": Variable("bool", False, ("rollout", "configs"),
                              "Regenerate every device's config, current or not (the rollout then redeploys them)."),
    "configs_format": Variable("str", "text", ("rollout", "configs"),
                               "Format of the saved configs (C(.cfg) text or C(.json)).", choices=["text", "json"]),
    "configs_dest": Variable("path", None, ("rollout", "configs"),
                             "Folder of the intended configs; default C(<ztp_output_dir>/configs/<ztp_site_id>)."),
    "configs_download_workers": Variable("int", 16, ("rollout", "configs"),
                                         "Configs downloaded at once (the API has one GET per device's config); a config whose saved file is "
                                         "current is not downloaded again."),
    "configs_wait_timeout": Variable("int", 900, ("rollout", "configs"),
                                     "Seconds to wait for config generation."),
    "configs_poll_interval": Variable("int", 3, ("rollout", "configs"),
                                      "Seconds between two polls while configs are generated."),
    "fortiztp_provision_device_type_pattern": Variable("str", "^forti", FORTIZTP,
                                                       "Regular expression matching the device types that FortiZTP provisions."),
    "fortiztp_provision_wait": Variable("bool", True, FORTIZTP,
                                        "Wait until FortiZTP has handed every device to the FortiManager."),
    "fortiztp_provision_wait_timeout": Variable("int", 1800, FORTIZTP,
                                                "Seconds to wait for FortiZTP provisioning."),
    "fortiztp_provision_poll_interval": Variable("int", 10, FORTIZTP,
                                                 "Seconds between two polls of FortiZTP (2,000 calls per hour)."),
    "rollout_fortiztp_enabled": Variable("bool", True, ("rollout", "fortiztp_provision", "site_report"),
                                         "Provision the site's Fortinet devices through FortiZTP. With V(false) the plan warns, and the "
                                         "FortiGates fail their deployment with C(ZTP_NOT_PROVISIONED)."),
    "rollout_fortigate_pattern": Variable("str", "^fortigate_", ("rollout",),
                                          "Regular expression matching the device types Breakwater brings online only after FortiZTP provisioning."),
    "rollout_report_dir": Variable("path", None, ("rollout", "site_report", "scan_sheet"),
                                   "Folder of the report, the plan and the scan sheet; default "
                                   "C(<ztp_output_dir>/reports/<ztp_site_id>)."),
    "rollout_wait_timeout": Variable("int", 3600, ("rollout",),
                                     "Seconds to wait for the deployment to end."),
    "rollout_poll_interval": Variable("int", 10, ("rollout",),
                                      "Seconds between two polls of the manifest while it deploys."),
    WAVES: Variable("list", None, ("rollout", "site_report", "scan_sheet"),
                    "Waves, rolled out in order: each an inventory pattern or group (C(floor_a_firewalls), C(sw-prod-0[1:2]), "
                    "C(all)); a device is in the first wave that matches it, and every device must be in one. Each wave gets its "
                    "configs, FortiZTP provisioning, deployment and check before the next starts.", elements="str"),
    WAVE_SIZE: Variable("int", None, ("rollout", "site_report", "scan_sheet"),
                        "Instead of O(rollout_waves): waves of this many devices, in inventory order."),
    ONLY_WAVE: Variable(
        "int", None, ("rollout",),
        "Roll out this wave only (numbered from 1), for example one job per wave in an AWX workflow with an approval "
        "between them. The site's manifest and serials are still brought up to date as a whole."),
    MAX_FAILURES: Variable("int", 0, ("rollout",),
                           "Failed devices a wave may have (configs or deployment) and the next waves still start; more stop them. "
                           "The run still fails unless every device ends online."),
    "rollout_wave_pause": Variable("int", 0, ("rollout",),
                                   "Seconds to wait after a wave has come online before the next one starts."),
    "rollout_cable_schedule": Variable("bool", True, ("rollout", "site_report"),
                                       "Save the site's cable schedule (PDF) beside the report as C(cable-schedule.pdf); the report links it."),
    "rollout_require_whole_site": Variable(
        "bool", False, ("rollout",),
        "Refuse a run whose inventory holds only part of the manifest's devices (a slice, a C(--limit), a forgotten "
        "host), naming the devices missing, before any write. Without it such a run rolls out the devices it holds "
        "and its result is C(partial), listing the others as not in this run. A manifest created by the run itself "
        "is checked right after its creation, before any serial, config or deployment."),
    "rollout_lock_wait": Variable(
        "int", 0, ("rollout",),
        "Seconds to wait when another run holds the site (its lease in O(rollout_lock_dir), or a deployment of the "
        "manifest in progress) before stopping; V(0) stops at once with a message naming the run that holds it. "
        "A run that waited plans again, and finds nothing to do if the other run did it."),
    "rollout_lock_dir": Variable(
        "path", None, ("rollout",),
        "Folder of the site leases: a run that writes a site holds its lease there until its report, and the runs "
        "that share the folder never write one site at once. Default C(<ztp_output_dir>/locks); give every run of a "
        "controller (or of every AWX execution node, on shared storage) the same folder."),
    "rollout_require_healthy": Variable("bool", True, ("rollout",),
                                        "Read both services' status before any write and stop on an outage."),
}
# Host variables of each device host (read through hostvars, not from SITE_VARIABLES).
HOST_VARIABLES = {
    "serial_number": "Host variable of each device host, its serial number (normalised: white space "
                     "stripped, upper case).",
    "device_type": "Host variable of each device host, its Breakwater device type, for example C(cisco_ie3300).",
}
REQUIRED = ("ztp_site_id", "ztp_manifest_name")
# The prefix of each API's connection variables, and the argument spec they are checked with.
CONNECTION_SPECS = {"breakwater": BREAKWATER_ARGUMENT_SPEC, "fortiztp": FORTIZTP_ARGUMENT_SPEC}
CONNECTION_RULES = {"fortiztp": {"required_one_of": FORTIZTP_REQUIRED_ONE_OF,
                                 "required_together": FORTIZTP_REQUIRED_TOGETHER}}


class SiteVariableError(AnsibleError):
    pass


# How a value of the wrong type is told (Ansible's own message names Python types).
TYPE_ERRORS = {"bool": "is not a boolean", "int": "is not a whole number", "dict": "is not a dictionary",
               "list": "is not a list", "str": "is not a string", "path": "is not a path"}


def variable_spec(variable):
    """The argument spec of a site variable (its default is applied by site_definition: "" means unset)."""
    spec = {"type": variable.kind}
    if variable.elements:
        spec["elements"] = variable.elements
    if variable.choices:
        spec["choices"] = list(variable.choices)
    return spec


# The variables site_definition reads.
DEFINING = dict((name, variable) for name, variable in SITE_VARIABLES.items() if variable.defines_site)
SITE_ARGUMENT_SPEC = dict((name, variable_spec(variable)) for name, variable in SITE_VARIABLES.items())


@functools.lru_cache(maxsize=32)
def site_validator(names):
    """Ansible's validator of the site variables ``names``, made once: it deep-copies its spec when made."""
    return ArgumentSpecValidator(dict((name, SITE_ARGUMENT_SPEC[name]) for name in names))


def checked_variables(given):
    """``given`` (variable -> value) checked and converted by Ansible's ArgumentSpecValidator, types and
    choices, as a role's argument validation would: whether or not that ran. The first bad variable
    raises SiteVariableError naming it and its value."""
    spec = dict((name, SITE_ARGUMENT_SPEC[name]) for name in given)
    result = site_validator(tuple(sorted(given))).validate(given)
    if not result.error_messages:
        return result.validated_parameters
    for name, value in given.items():  # which one: each on its own
        errors = ArgumentSpecValidator({name: spec[name]}).validate({name: value}).errors.errors
        if errors:
            if isinstance(errors[0], ArgumentTypeError):
                raise SiteVariableError("%s: %r %s" % (name, value, TYPE_ERRORS.get(spec[name]["type"], "is not valid")))
            raise SiteVariableError("%s: %s" % (name, errors[0].error_message))
    raise SiteVariableError("; ".join(result.error_messages))


def site_definition(variables, role=None):
    """The site as plain data, from the play's variables (defaults applied, types and choices checked).

    With ``role`` (an entry point of the table), only the variables it reads are taken; the others keep
    their defaults: a report does not judge ``manifest_status``, which the devices inventory also sets.
    """
    missing = [name for name in REQUIRED if variables.get(name) in (None, "")]
    if missing:
        raise SiteVariableError("the site needs %s (set in the inventory or group_vars)" % " and ".join(missing))
    given = {}
    for name, variable in DEFINING.items():
        value = variables.get(name) if role is None or role in variable.roles else None
        if value is not None and not (value == "" and variable.default is not None):
            given[name] = list(value) if isinstance(value, tuple) else value
    values = checked_variables(given)
    site = {}
    for name, variable in DEFINING.items():
        value = values.get(name, variable.default)
        if variable.kind == "list" and value is not None:
            value = [str(item).strip() for item in value if str(item).strip()]
        site[name] = value
    output = site["ztp_output_dir"] or "."
    site["rollout_report_dir"] = site["rollout_report_dir"] or os.path.join(output, "reports", site["ztp_site_id"])
    site["configs_dest"] = site["configs_dest"] or os.path.join(output, "configs", site["ztp_site_id"])
    site["rollout_lock_dir"] = site["rollout_lock_dir"] or os.path.join(output, "locks")
    return site


# Each wait's (timeout, interval) variables.
WAITS = (("configs_wait_timeout", "configs_poll_interval"),
         ("fortiztp_provision_wait_timeout", "fortiztp_provision_poll_interval"),
         ("rollout_wait_timeout", "rollout_poll_interval"))


def check_waits(site):
    """The one rule for every wait (polling.check_wait_options); before any write."""
    for timeout, interval in WAITS:
        check_wait_options(site[timeout], site[interval], timeout, interval)


def check_counts(site):
    """Counts out of their range (limits.check_least); before any write."""
    for name, least in ((MAX_FAILURES, 0), ("rollout_wave_pause", 0), ("configs_download_workers", 1),
                        ("rollout_lock_wait", 0)):
        check_least(name, site[name], least)


@functools.lru_cache(maxsize=None)
def connection_validator(api):
    """Ansible's validator of ``api``'s connection options under the variables' names, made once."""
    prefix = api + "_"
    spec = dict((prefix + option, rule) for option, rule in CONNECTION_SPECS[api].items())
    return ArgumentSpecValidator(spec, **dict(
        (kind, [tuple(prefix + option for option in group) for group in groups])
        for kind, groups in CONNECTION_RULES.get(api, {}).items()))


def connection(variables, api):
    """The validated connection options of ``api`` from its ``<api>_<option>`` variables and environment.

    Checked with the modules' own argument spec (environment fallbacks, defaults, no_log), so a
    bad value is named exactly as a module would name it.
    """
    # The spec under the variables' names, so that every message names what the user sets.
    prefix = api + "_"
    given = {}
    for option in CONNECTION_SPECS[api]:
        value = variables.get(prefix + option)
        if value not in (None, ""):
            given[prefix + option] = value
    result = connection_validator(api).validate(given)
    if result.error_messages:
        raise SiteVariableError("%s connection: %s" % (api, "; ".join(result.error_messages)))
    params = dict((name[len(prefix):], value) for name, value in result.validated_parameters.items())
    try:
        check_transport(params)  # the modules' own checks: URL scheme, timeout, retries, ca_path
    except InputError as exc:
        raise InputError(prefix + exc.field, exc.value, exc.reason)
    return params, sorted(result._no_log_values)


def play_hosts(hostvars, hostnames):
    """[(hostname, {serial_number, device_type}), ...] for the play's device hosts.

    Hosts that are not devices (site.is_device: localhost in a play on localhost) are left out.
    """
    hosts = []
    for hostname in hostnames or []:
        host = hostvars[hostname]
        if is_device(host):
            hosts.append((hostname, {"serial_number": host.get("serial_number"), "device_type": host.get("device_type")}))
    return hosts


# What the roles' argument specs say of each connection variable (<api>_<option>).
CONNECTION_DESCRIPTIONS = {
    "url": "Base URL of the Breakwater ZTP service, without C(/api/v1/ztp).",
    "api_token": "Breakwater ZTP API token; never logged.",
    "api_id": "FortiCloud IAM API user ID.",
    "password": "Password of the FortiCloud IAM API user; never logged.",
    "access_token": "A FortiCloud access token obtained elsewhere, instead of the API user and password; never logged.",
    "base_url": "Root of the FortiZTP API v2 (default: Fortinet's public endpoint).",
    "auth_url": "Root of the FortiCloud OAuth API (default: Fortinet's public endpoint).",
    "client_id": "OAuth client ID of the FortiCloud login.",
    "token_cache": "Share one FortiCloud token between the tasks and forks of a run through a locked cache file.",
    "token_cache_dir": "Folder of the token cache file.",
    "validate_certs": "Verify the server's TLS certificate.",
    "ca_path": "PEM file of the CA (or bundle) that signs the server's certificate, for a private CA.",
    "timeout": "Seconds to wait for each HTTP answer.",
    "retries": "Retries of a failed request that is safe to repeat (with backoff, honouring Retry-After).",
}
CONNECTION_ROLES = {"breakwater": SITE, "fortiztp": FORTIZTP}
# Options a role's tasks read (not a site plugin): in its argument spec all the same.
ROLE_ONLY_OPTIONS = {"fortiztp_provision": {"fortiztp_provision_state": {
    "type": "str", "default": "provisioned", "choices": ["provisioned", "unprovisioned"],
    "description": ["Provision the site's Fortinet devices, or return them to unprovisioned."]}}}


def role_options(role):
    """The argument-spec options of ``role`` (entry point main; site_report is the rollout's other one)."""
    options = {}
    for name, variable in SITE_VARIABLES.items():
        if role in variable.roles:
            option = {"type": variable.kind, "description": [variable.description]}
            if name in REQUIRED and role != "fortiztp_provision":
                option["required"] = True
            if variable.default is not None:
                option["default"] = variable.default
            if variable.elements:
                option["elements"] = variable.elements
            if variable.choices:
                option["choices"] = variable.choices
            options[name] = option
    if role not in ("manifest", "site_report", "configs"):
        for name, description in HOST_VARIABLES.items():
            options[name] = {"type": "str", "description": [description]}
    for api, spec in CONNECTION_SPECS.items():
        if role not in CONNECTION_ROLES[api]:
            continue
        for option, rule in spec.items():
            entry = {"type": rule.get("type", "str"), "description": [CONNECTION_DESCRIPTIONS[option]]}
            envs = (rule.get("fallback") or (None, []))[1]
            if envs:
                entry["description"].append("Unset, the environment variable E(%s) is read." % envs[0])
            if rule.get("default") is not None and not str(rule["default"]).startswith("~"):
                entry["default"] = rule["default"]
            if rule.get("no_log"):
                entry["no_log"] = True
            options["%s_%s" % (api, option)] = entry
    options.update(ROLE_ONLY_OPTIONS.get(role, {}))
    return options
