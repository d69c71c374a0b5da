"""The site plugins run a module's task in-process (InProcessModule): same argument checks and
same result as the module's own process, with the site's client."""
from __future__ import annotations

import json

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.resource import TaskFailure
from ansible_collections.breakwater.ztp.plugins.modules import manifest, serial
from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import InProcessModule, module_validator
from ansible_collections.breakwater.ztp.tests.unit.helpers.modules import BREAKWATER_ARGS, run_module
from ansible_collections.breakwater.ztp.tests.unit.plugins.modules.test_manifest import FakeBreakwater

CREATE = {"site_id": "site_1", "name": "Floor B", "status": "ready"}


def in_process(code, args, client, check_mode=False):
    return InProcessModule(module_validator(code.__name__.rsplit(".", 1)[-1]), dict(BREAKWATER_ARGS, **args), check_mode).run(
        lambda params: client, code.task)


def test_in_process_gives_the_result_of_the_module_process():
    by_module, by_plugin = FakeBreakwater(), FakeBreakwater()
    expected = run_module(manifest, CREATE, by_module)
    result = in_process(manifest, CREATE, by_plugin)
    assert result == expected
    assert result["changed"] and result["manifest"]["status"] == "ready"
    assert by_plugin.writes == by_module.writes and by_plugin.writes


def test_in_process_check_mode_writes_nothing():
    client = FakeBreakwater()
    result = in_process(manifest, CREATE, client, check_mode=True)
    assert result["changed"] and client.writes == []


def test_the_modules_argument_rules_apply():
    with pytest.raises(TaskFailure) as caught:
        in_process(manifest, {"site_id": "site_1", "status": "sideways"}, FakeBreakwater())
    assert "status" in str(caught.value) and "sideways" in str(caught.value)
    with pytest.raises(TaskFailure) as caught:
        in_process(serial, {"csv_content": "hostname,serial_number\n", "serials": []}, FakeBreakwater())
    assert "mutually exclusive" in str(caught.value)


def test_a_failure_comes_back_as_the_modules_failed_result():
    client = FakeBreakwater()
    result = in_process(manifest, {"name": "Floor B", "status": "ready"}, client)
    assert result == run_module(manifest, {"name": "Floor B", "status": "ready"}, FakeBreakwater())
    assert result["failed"] and result["field"] == "site_id" and client.writes == []


class PlainTemplar(object):
    def template(self, value):
        return value


def test_on_a_site_host_the_site_variables_are_its_first_devices_over_the_task_vars():
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteState, TemplatedVariables

    hostvars = {
        "fw-b": {"serial_number": "FGT60FTK20000002", "device_type": "fortigate_60f", "ztp_site_id": "site_b",
                 "ztp_manifest_name": "Floor B", "rollout_wait_timeout": 60},
        "sw-b": {"serial_number": "FDO2401B001", "device_type": "cisco_ie3300", "ztp_site_id": "site_b",
                 "ztp_manifest_name": "Floor B"},
        "sw-a": {"serial_number": "FDO2401A001", "device_type": "cisco_ie3300", "ztp_site_id": "site_a"},
    }
    task_vars = {"hostvars": hostvars, "ansible_play_hosts_all": ["site_b"], "rollout_wait_timeout": 3600,
                 "rollout_poll_interval": 5,
                 "breakwater_ztp_site": {"devices": json.dumps([["fw-b", "FGT60FTK20000002", "fortigate_60f"],
                                                                ["sw-b", "FDO2401B001", "cisco_ie3300"]]),
                                         "vars_from": "fw-b", "name": "site_b"}}
    state = SiteState(TemplatedVariables(task_vars, PlainTemplar()))
    assert (state.site["ztp_site_id"], state.site["ztp_manifest_name"]) == ("site_b", "Floor B")
    assert state.site["rollout_wait_timeout"] == 60  # the device's (inventory) over the play's
    assert state.site["rollout_poll_interval"] == 5  # not on the device: the task's
    assert [d["hostname"] for d in state.devices] == ["fw-b", "sw-b"] and state.inventory_problems == []


def test_without_a_site_host_the_devices_are_the_plays_hosts():
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteState, TemplatedVariables

    task_vars = {"hostvars": {"sw-a": {"serial_number": "FDO2401A001", "device_type": "cisco_ie3300"},
                              "localhost": {}},
                 "ansible_play_hosts_all": ["sw-a", "localhost"], "ztp_site_id": "site_a",
                 "ztp_manifest_name": "Floor A"}
    state = SiteState(TemplatedVariables(task_vars, PlainTemplar()))
    assert state.site["ztp_site_id"] == "site_a" and [d["hostname"] for d in state.devices] == ["sw-a"]


def test_a_site_hosts_devices_come_with_their_groups_and_all_matches_every_one():
    """Wave patterns over a site host's devices: their own groups, and all/ungrouped as Ansible has them
    (the inventory of those groups is reconciled: without it, all matched nothing)."""
    from ansible.parsing.dataloader import DataLoader
    from ansible_collections.breakwater.ztp.plugins.module_utils import site_groups
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import (
        SiteState, TemplatedVariables, wave_members,
    )

    store = {"ztp_site_id": "site_b", "ztp_manifest_name": "Floor B", "ztp_devices": [
        {"hostname": "fw-b", "serial_number": "FGT60FTK20000002", "device_type": "fortigate_60f", "groups": ["fws"]},
        {"hostname": "sw-b", "serial_number": "FDO2401B001", "device_type": "cisco_ie3300", "groups": ["sws"]},
        {"hostname": "ap-b", "serial_number": "FP231FTF20000009", "device_type": "fortinet_fap231f"}]}
    sites = site_groups.group_sites([("store_b", store)])[0]
    task_vars = {"hostvars": {"store_b": store}, "groups": {"all": ["store_b"], "ungrouped": ["store_b"]},
                 "breakwater_ztp_site": {"devices": site_groups.pack_devices(sites[0]), "vars_from": "store_b",
                                         "name": "store_b"}}
    state = SiteState(TemplatedVariables(task_vars, PlainTemplar()))
    assert [d["hostname"] for d in state.devices] == ["fw-b", "sw-b", "ap-b"] and state.inventory_problems == []
    assert state.wave_groups() == {"fws": ["fw-b"], "sws": ["sw-b"]}
    members = dict(wave_members(DataLoader(), state.wave_groups(), ["fws", "all", "ungrouped", "all:!fws"],
                                [d["hostname"] for d in state.devices]))
    assert sorted(members["all"]) == ["ap-b", "fw-b", "sw-b"] and members["ungrouped"] == ["ap-b"]
    assert members["fws"] == ["fw-b"] and sorted(members["all:!fws"]) == ["ap-b", "sw-b"]


def test_the_role_on_a_site_host_of_a_play_of_its_own_reads_its_ztp_devices():
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteState, TemplatedVariables

    task_vars = {"inventory_hostname": "store_b", "ztp_site_id": "site_b", "ztp_manifest_name": "Floor B",
                 "ztp_devices": [{"hostname": "sw-b", "serial_number": "FDO2401B001", "device_type": "cisco_ie3300"},
                                 {"hostname": "sw-b", "serial_number": "FDO2401B002", "device_type": "cisco_ie3300"}]}
    state = SiteState(TemplatedVariables(task_vars, PlainTemplar()))
    assert state.inventory_problems == ["store_b: ztp_devices[1].hostname: sw-b is also the hostname of ztp_devices[0]"]


def test_the_steps_of_one_rollout_share_the_site_and_its_clients_and_count_their_own_calls():
    """site_rollout gives its plugins one SiteShare: the site is defined once per role entry point, each API
    has one client (one session, one login), and each step's api_calls are its own."""
    from ansible_collections.breakwater.ztp.plugins.plugin_utils import site_action
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import (
        SiteShare, SiteState, TemplatedVariables,
    )

    task_vars = {"ztp_site_id": "site_a", "ztp_manifest_name": "Floor A", "breakwater_url": "https://ztp.example",
                 "breakwater_api_token": "t0ken", "hostvars": {}, "ansible_play_hosts_all": []}
    share = SiteShare()
    variables = TemplatedVariables(task_vars, PlainTemplar())
    defined = []
    original = site_action.site_definition
    try:
        site_action.site_definition = lambda *args: defined.append(args[1:]) or original(*args)
        first = SiteState(variables, None, share)
        first.client("breakwater").http.calls += 3  # as three calls would count
        second, report = SiteState(variables, None, share), SiteState(variables, "site_report", share)
    finally:
        site_action.site_definition = original
    assert defined == [(None,), ("site_report",)]
    assert second.site == first.site and second.site is not first.site  # a step may not change another's
    assert second.client("breakwater") is first.client("breakwater")
    second.client("breakwater").http.calls += 2
    assert (first.api_calls, second.api_calls, report.api_calls) == (5, 2, 2)
    alone = SiteState(variables)
    assert alone.client("breakwater") is not first.client("breakwater") and alone.api_calls == 0


def test_a_remembered_manifest_is_given_back_until_the_client_writes():
    """The deploy step and the report take the manifest as the step before them read it, not again (a read
    of 1,000 devices is ~0.2 s), but never once the Breakwater client has sent a write since."""
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import SiteShare

    class Client(object):
        writes = 0

    client, share, manifest = Client(), SiteShare(), {"id": "m1", "status": "ready", "devices": []}
    assert share.known_manifest(client, "m1") is None
    share.remember_manifest(client, manifest)
    assert share.known_manifest(client, "m1") is manifest
    assert share.known_manifest(client, "m2") is None and share.known_manifest(client, None) is None
    client.writes = 1
    assert share.known_manifest(client, "m1") is None
    share.remember_manifest(client, None)  # a site without a manifest: nothing to give back
    assert share.known_manifest(client, "m1") is None


def test_a_site_host_reads_its_own_variables_from_the_task_not_again_through_hostvars():
    from ansible_collections.breakwater.ztp.plugins.plugin_utils.site_action import TemplatedVariables

    class NoHostvars(dict):
        def __getitem__(self, name):
            raise AssertionError("hostvars[%s] read: Ansible would build that host's variables again" % name)

    task_vars = {"inventory_hostname": "store_b", "hostvars": NoHostvars(), "ztp_site_id": "site_b",
                 "breakwater_ztp_site": {"vars_from": "store_b", "name": "store_b"}}
    assert TemplatedVariables(task_vars, PlainTemplar()).get("ztp_site_id") == "site_b"
    other = dict(task_vars, inventory_hostname="site_b", hostvars={"store_b": {"ztp_site_id": "from_hostvars"}})
    assert TemplatedVariables(other, PlainTemplar()).get("ztp_site_id") == "from_hostvars"
