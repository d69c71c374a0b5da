# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config generation logic: selection, what is current, file names and content, event matching."""

from __future__ import annotations

import json

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.configs import (
    config_file_content, config_file_names, finished_devices, plan_generation, select_devices,
)
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError

DEVICES = [
    {"id": "d1", "hostname": "fw-01", "serial_number": "FGT1234567", "status": "config_generated"},
    {"id": "d2", "hostname": "sw-01", "serial_number": "FDO1234567", "status": "serial_registered"},
    {"id": "d3", "hostname": "sw-02", "serial_number": None, "status": "pending"},
    {"id": "d4", "hostname": "sw-03", "serial_number": "FDO7654321", "status": "config_failed"},
    {"id": "d5", "hostname": "ap-01", "serial_number": "FP23100001", "status": "online"},
]


def test_nothing_current_is_regenerated_without_force():
    queue, skipped = plan_generation(DEVICES)
    assert [d["id"] for d in queue] == ["d2", "d4"]
    expected = {"d1": "config_current", "d3": "no_serial", "d5": "config_current"}
    assert dict((s["id"], s["reason"]) for s in skipped) == expected


def test_force_regenerates_every_device_with_a_serial():
    queue, skipped = plan_generation(DEVICES, force=True)
    assert [d["id"] for d in queue] == ["d1", "d2", "d4", "d5"]
    assert [s["id"] for s in skipped] == ["d3"]


def test_all_current_means_nothing_to_queue():
    queue, skipped = plan_generation([DEVICES[0], DEVICES[4]])
    assert queue == []


def test_select_by_ids_or_hostnames_and_unknown_ones_fail():
    assert [d["id"] for d in select_devices(DEVICES, device_ids=["d4", "d2", "d4"])] == ["d4", "d2"]
    assert [d["id"] for d in select_devices(DEVICES, hostnames=["sw-01"])] == ["d2"]
    assert len(select_devices(DEVICES)) == 5
    with pytest.raises(InputError) as info:
        select_devices(DEVICES, hostnames=["sw-01", "nope", "gone"])
    assert info.value.field == "hostnames" and info.value.value == ["nope", "gone"]


def test_file_names_are_safe_and_unique():
    names = config_file_names([{"id": "a", "hostname": "sw-01"},
                               {"id": "b", "hostname": "{{ lookup('pipe', 'id') }}"},
                               {"id": "c", "hostname": "../etc/passwd"}], "cfg")
    assert names["a"] == "sw-01.cfg"
    assert "/" not in names["b"] and "{" not in names["b"]
    assert "/" not in names["c"] and not names["c"].startswith(".")
    with pytest.raises(InputError):
        config_file_names([{"id": "a", "hostname": "sw 01"}, {"id": "b", "hostname": "sw_01"}], "cfg")


def test_file_content_text_and_json():
    assert config_file_content({"content": "hostname sw-01\n"}, "text") == b"hostname sw-01\n"
    data = config_file_content({"content": {"b": 1, "a": [1, 2]}}, "json")
    assert json.loads(data) == {"a": [1, 2], "b": 1} and data.endswith(b"\n")
    assert data == config_file_content({"content": {"a": [1, 2], "b": 1}}, "json")  # stable: no spurious change


def test_only_new_config_events_count():
    events = [
        {"id": "e1", "event_type": "config_generated", "device_id": "d1"},   # before the request
        {"id": "e2", "event_type": "serial_registered", "device_id": "d2"},
        {"id": "e3", "event_type": "config_failed", "device_id": "d2", "details": {"code": "CONFIG_GENERATION_FAILED"}},
        {"id": "e4", "event_type": "config_generated", "device_id": "d9"},   # not queued
    ]
    done = finished_devices(events, {"d1", "d2"}, known_event_ids={"e1"})
    assert list(done) == ["d2"] and done["d2"]["id"] == "e3"


def test_thread_twin_has_its_own_session_and_gives_back_its_calls():
    from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient

    client = BreakwaterClient("https://breakwater.example", "token", ca_path="/etc/ca.pem")
    client.http.calls = 3
    twin = client.for_thread()
    assert twin.http.session is not client.http.session
    assert twin.http.session.verify == "/etc/ca.pem"
    assert twin.http.session.headers["User-Agent"] == client.http.session.headers["User-Agent"]
    assert twin.http.auth is client.http.auth and twin.http.calls == 0
    twin.http.calls = 4
    client.add_calls(twin)
    assert client.calls == 7


def test_download_configs_uses_one_twin_per_worker_thread():
    import threading

    from ansible_collections.breakwater.ztp.plugins.module_utils.configs import download_configs

    class Twin(object):
        def __init__(self):
            self.threads = set()

        def get_device_config(self, device_id, format="text"):
            self.threads.add(threading.get_ident())
            return {"content": device_id}

    class Client(object):
        def __init__(self):
            self.twins = []
            self.given_back = []

        def for_thread(self):
            twin = Twin()
            self.twins.append(twin)
            return twin

        def add_calls(self, twin):
            self.given_back.append(twin)

    client = Client()
    answers = download_configs(client, [{"id": "d%d" % n} for n in range(20)], "text", 3)
    assert answers == dict(("d%d" % n, {"content": "d%d" % n}) for n in range(20))
    assert 1 <= len(client.twins) <= 3 and client.given_back == client.twins
    assert all(len(twin.threads) == 1 for twin in client.twins)  # a twin never crosses threads


def test_download_configs_shares_a_client_that_has_no_thread_twins():
    from ansible_collections.breakwater.ztp.plugins.module_utils.configs import download_configs

    class Plain(object):
        def get_device_config(self, device_id, format="text"):
            return {"content": device_id, "format": format}

    assert download_configs(Plain(), [{"id": "d1"}, {"id": "d2"}], "json", 2) == {
        "d1": {"content": "d1", "format": "json"}, "d2": {"content": "d2", "format": "json"}}
