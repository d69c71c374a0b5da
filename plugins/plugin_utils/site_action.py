# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the site plugins share: the site from the play's variables, the clients, progress, failures.

The site plugins are action plugins: they run on the controller, in-process, so a whole step
(reads, bulk writes, a wait with a progress line per poll) costs one task, and they call the
collection's modules only for writes whose logic a module already owns.
"""

from __future__ import annotations

import functools
import gc
import importlib
import json
import os

from ansible.errors import AnsibleError
from ansible.inventory.manager import InventoryManager
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient
from ansible_collections.breakwater.ztp.plugins.module_utils.files import readable_json, write_if_changed
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError, TaskFailure, run_task
from ansible_collections.breakwater.ztp.plugins.module_utils import site_checks
from ansible_collections.breakwater.ztp.plugins.module_utils import site_groups
from ansible_collections.breakwater.ztp.plugins.module_utils import site_planning
from ansible_collections.breakwater.ztp.plugins.module_utils import site_run
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_vars import (
    SiteVariableError, connection, play_hosts, site_definition,
)

display = Display()


# What breakwater.ztp.site_rollout gives each site host (breakwater.ztp.site_inventory): the site's
# devices, the host its variables are read from, and the run's sites (for the index page).
SITE_HOST_VARIABLE = "breakwater_ztp_site"


class TemplatedVariables(object):
    """The task's variables, each templated when read (an action plugin gets them raw).

    On a site host (a play over sites, one host each) the site's variables are its first
    device's, as the inventory gives them (group_vars of the site's group), over the task's own
    (role defaults, play vars).
    """

    def __init__(self, task_vars, templar):
        self.task_vars = task_vars
        self.templar = templar
        site_host = task_vars.get(SITE_HOST_VARIABLE)
        self.site_host = templar.template(site_host) if site_host else None
        self.source = None
        vars_from = self.site_host.get("vars_from") if self.site_host else None
        if vars_from and vars_from != task_vars.get("inventory_hostname"):
            # Another host's (a site of device hosts). A site host is its own source: its task_vars are those
            # variables already, and hostvars would build them again (Ansible's get_vars, per site and step).
            self.source = task_vars["hostvars"][vars_from]

    def get(self, name, default=None):
        if self.source is not None and name in self.source:
            return self.source[name]
        if name not in self.task_vars:
            return default
        return self.templar.template(self.task_vars[name])

    def __getitem__(self, name):
        return self.get(name)


class SiteShare(object):
    """What the site plugins of one ``site_rollout`` task share, as they read one site in one worker: the
    templated variables, the site's definition per role entry point, and the API clients (one session and
    one login per API for the whole rollout). Each plugin run on its own gets a share of its own."""

    def __init__(self):
        self.variables = None
        self.definitions = {}
        self.clients = {}
        self.connection_params = {}
        self.fortiztp_read = None  # SiteState.read
        self._manifest = None  # (the site's manifest, the Breakwater client's writes when it was read)

    def remember_manifest(self, client, manifest):
        """Keep the site's manifest (with its devices) as just read through the Breakwater ``client``."""
        self._manifest = (manifest, client.writes) if manifest else None

    def known_manifest(self, client, manifest_id):
        """The manifest ``manifest_id`` as this rollout last read it, while ``client`` has written nothing since
        (no other run writes the site while this one holds its lease); else None: read it again. At 1,000
        devices a manifest read is ~0.2 s, and a rollout read it seven times."""
        if self._manifest and manifest_id and self._manifest[0].get("id") == manifest_id \
                and self._manifest[1] == client.writes:
            return self._manifest[0]
        return None


class SiteState(object):
    """The site as read at the start of a step: definition, inventory devices and clients."""

    def __init__(self, variables, role=None, share=None):
        self.share = share or SiteShare()
        self.variables = variables
        if role not in self.share.definitions:
            self.share.definitions[role] = site_definition(variables, role)
        self.site = dict(self.share.definitions[role])  # a step's own: no plugin changes a value in place
        self._devices = None
        self._device_groups = None
        self._clients = self.share.clients
        self.connection_params = self.share.connection_params
        # A step's calls are those made since it started (the clients may have served earlier steps).
        self._calls_before = dict((api, client.calls) for api, client in self._clients.items())

    def _read_inventory(self):
        raw = self.variables.task_vars
        site_host = self.variables.site_host
        listed_problems = []
        if site_host and site_host.get("devices"):
            # Read from the inventory once, when the sites were found.
            hosts = site_groups.unpack_devices(site_host["devices"])
        elif site_host:
            hosts = []  # a site without device hosts: the manifest's devices
        elif self.variables.get(site_groups.DEVICES_VARIABLE) is not None:
            # The role on a site host of the play's own (not through site_rollout): its ztp_devices.
            listed, listed_problems = site_groups.site_host_devices(
                raw.get("inventory_hostname"), self.variables.get(site_groups.DEVICES_VARIABLE))
            hosts = [(device["hostname"], device) for device in listed]
        else:
            hosts = play_hosts(raw.get("hostvars") or {}, raw.get("ansible_play_hosts_all"))
        if any("groups" in device for _host, device in hosts):
            self._device_groups = site_groups.device_groups([dict(device, hostname=host) for host, device in hosts])
        self._devices, self._inventory_problems = site_checks.inventory_devices(hosts)
        self._inventory_problems = listed_problems or self._inventory_problems

    def wave_groups(self):
        """The groups ``rollout_waves`` patterns are matched against: a site host's devices' own groups
        (``ztp_devices``), else the inventory's (its device hosts)."""
        if self._devices is None:
            self._read_inventory()
        if self._device_groups is not None:
            return self._device_groups
        return self.variables.task_vars.get("groups") or {}

    @property
    def devices(self):
        """The play's devices, read from the inventory on first use (a step given a plan never needs them)."""
        if self._devices is None:
            self._read_inventory()
        return self._devices

    @devices.setter
    def devices(self, value):
        self._devices = value

    @property
    def inventory_problems(self):
        if self._devices is None:
            self._read_inventory()
        return self._inventory_problems

    def client(self, api):
        if api not in self._clients:
            params = connection(self.variables, api)[0]
            self.connection_params[api] = params
            factory = BreakwaterClient if api == "breakwater" else FortiZTPClient
            self._clients[api] = factory.from_params(params)
        return self._clients[api]

    def module_args(self, api, **args):
        """Arguments for one of the collection's modules: its API's connection plus ``args``."""
        self.client(api)
        merged = dict(self.connection_params[api])
        merged.update((k, v) for k, v in args.items() if v is not None)
        return merged

    @property
    def api_calls(self):
        return sum(client.calls - self._calls_before.get(api, 0) for api, client in self._clients.items())

    def read(self, with_breakwater=True, with_fortiztp=True, check_health=False, fortiztp_target=True):
        """Read the site's state and check it (site_run.read_site); returns (state, problems). No write."""
        read = site_run.read_site(self.site, self.devices, self.client, with_breakwater, with_fortiztp, check_health,
                                  fortiztp_target)
        self.devices, self.health_warnings = read["devices"], read["health_warnings"]
        if with_breakwater:
            self.share.remember_manifest(self.client("breakwater"), read["manifest"])
        if with_fortiztp and read["fortiztp_records"]:
            # The site's FortiZTP records (and targets, scripts) as read now: the FortiZTP step of this rollout need
            # not read them again (no other run writes the site's devices while this one holds its lease).
            known = {"devices": read["fortiztp_records"]}
            if self.site.get("ztp_fortimanager_sn"):
                known["fortimanagers"] = read["fortimanagers"]
            if self.site.get("ztp_fortiztp_script"):
                known["scripts"] = read["scripts"]
            self.share.fortiztp_read = known
        return read, read["problems"]

    def check_inventory(self):
        """The preflight's first part, without a call: the inventory's problems stop the run."""
        if self.inventory_problems:
            raise TaskFailure(site_checks.preflight_failure(self.inventory_problems, "inventory"),
                              problems=self.inventory_problems)

    @staticmethod
    def stop_on(problems, warnings=None, kind=""):
        """The preflight's problems stop the run before any write."""
        if problems:
            raise TaskFailure(site_checks.preflight_failure(problems, kind), problems=problems, warnings=warnings or [])

    def plan(self, state):
        plan = site_planning.plan_site(self.site, self.devices, state["manifest"], state["fortiztp_records"],
                                       state["templates"], state["fortimanagers"])
        plan["fortimanagers"] = state["fortimanagers"]  # for the report's rule after the FortiZTP step
        plan["fortimanager_ready"] = site_run.fortimanager_ready(self.site, state["fortimanagers"], state["scripts"])
        plan["fortinet_serials"] = [d["serial_number"] for d in site_checks.fortinet_devices(self.site, self.devices)]
        return plan

    @property
    def plan_file(self):
        """Where the plan of this site is kept between the steps of a run: beside its report."""
        return os.path.join(self.site["rollout_report_dir"], "rollout-plan.json")

    def save_plan(self, plan):
        write_if_changed(self.plan_file, readable_json(plan).encode("utf-8"), "rollout_report_dir")
        return self.plan_file

    def load_plan(self, path):
        try:
            with open(path) as handle:
                return json.load(handle)
        except (IOError, OSError, ValueError) as exc:
            raise SiteVariableError("plan: cannot read the plan file %s (%s); run breakwater.ztp.site_plan first" % (
                path, exc))


def inventory_of(loader, groups, hosts=()):
    """An inventory of the run's groups and hosts (the ``groups`` variable; ``hosts`` in no group), to
    match patterns with. Reconciled, as Ansible's own is: ``all`` and ``ungrouped`` hold their hosts
    (a site host's device groups have no ``all`` of their own)."""
    inventory = InventoryManager(loader, parse=False)
    for group, members in groups.items():
        inventory.add_group(group)
        for host in members:
            inventory.add_host(host, group=group)
    for host in hosts:
        inventory.add_host(host)
    inventory.reconcile_inventory()
    return inventory


def wave_members(loader, groups, patterns, hosts=()):
    """[(pattern, hostnames it matches), ...] for ``rollout_waves``, matched as a play's ``hosts`` is
    (groups, hosts, globs, ``a:b``, ``a:&b``, ``a:!b``), over the inventory's groups and ``hosts``."""
    inventory = inventory_of(loader, groups, hosts)
    members = []
    for index, pattern in enumerate(patterns):
        try:
            members.append((pattern, [host.name for host in inventory.get_hosts(pattern=pattern)]))
        except AnsibleError as exc:
            raise SiteVariableError("rollout_waves[%d]: %s is not an inventory pattern (%s)" % (index, pattern, exc))
    return members


class SiteAction(ActionBase):
    """Base of the site plugins: ``run_site(state, task_vars)`` returns the result; failures end here."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(SiteAction, self).run(tmp, task_vars)
        self.warnings = []
        state = None
        if self.share is None:
            gc.freeze()  # a task of its own: see site_rollout (the controller's objects are never garbage here)
        share = self.share or SiteShare()
        try:
            if share.variables is None:
                templar = self._templar.copy_with_new_env(available_variables=task_vars or {})
                share.variables = TemplatedVariables(task_vars or {}, templar)
            state = SiteState(share.variables, self.reads_for, share)
            result.update(self.run_site(state, task_vars or {}))
        except (SiteVariableError, InputError) as exc:
            result.update(failed=True, msg=str(exc))
        except ApiError as exc:
            result.update(failed=True, msg=str(exc), error=exc.to_dict())
        except TaskFailure as exc:
            result.update(exc.result)
            result.update(failed=True, msg=exc.msg)
        result.setdefault("changed", False)
        if self.warnings:
            result["warnings"] = list(result.get("warnings") or []) + self.warnings
        if state is not None:
            result["api_calls"] = state.api_calls
        return result

    # The role entry point whose variables the plugin reads (site_vars.SITE_VARIABLES roles); None: all.
    reads_for = None
    # A SiteShare given by site_rollout to the plugins it runs for one site; None: this run's own.
    share = None

    def run_site(self, state, task_vars):
        raise NotImplementedError

    @property
    def check_mode(self):
        return bool(self._task.check_mode)

    @property
    def diff_mode(self):
        return bool(self._task.diff)

    def progress(self, line):
        display.display("  %s" % line)

    def run_module(self, state, module, api, task_vars, args, **task_options):
        """Run one of the collection's modules in this process and return its result.

        The module's own argument spec, checks and task logic (``module_kwargs()`` and
        ``task(module)``), through ``run_task`` as in a module process, with the site's client:
        no second process, no second login.
        """
        code = importlib.import_module("ansible_collections.breakwater.ztp.plugins.modules.%s" % module)
        result = InProcessModule(module_validator(module), state.module_args(api, **args)).run(
            lambda params: state.client(api), lambda in_process: code.task(in_process, **task_options))
        if result.get("failed"):
            raise TaskFailure("%s: %s" % (module, result.get("msg")),
                              **dict((k, v) for k, v in result.items() if k in ("error", "failed_devices", "devices")))
        self.warnings.extend(result.get("warnings") or [])
        return result


@functools.lru_cache(maxsize=None)
def module_validator(module):
    """Ansible's validator of the collection module ``module``'s arguments (``module_kwargs()``), made once."""
    code = importlib.import_module("ansible_collections.breakwater.ztp.plugins.modules.%s" % module)
    kwargs = dict(code.module_kwargs())
    return ArgumentSpecValidator(kwargs.pop("argument_spec"), **kwargs)


class ModuleExit(Exception):
    def __init__(self, result):
        super(ModuleExit, self).__init__(result.get("msg"))
        self.result = result


class InProcessModule(object):
    """What a module's task logic uses of AnsibleModule: validated params, check mode, warn, exit and fail."""

    def __init__(self, validator, args, check_mode=False):
        """``validator``: the module's (module_validator)."""
        validated = validator.validate(args)
        if validated.error_messages:
            raise TaskFailure("; ".join(validated.error_messages))
        self.params = validated.validated_parameters
        self.check_mode = check_mode
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def exit_json(self, **result):
        raise ModuleExit(result)

    def fail_json(self, **result):
        raise ModuleExit(dict(result, failed=True))

    def run(self, client_factory, task):
        try:
            run_task(self, client_factory, task(self))
        except ModuleExit as done:
            if self.warnings:
                done.result["warnings"] = self.warnings
            return done.result
        raise TaskFailure("the module ended without a result")
