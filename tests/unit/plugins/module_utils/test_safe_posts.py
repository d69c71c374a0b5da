# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every create after a 5xx or a dropped connection (HttpClient.post_with_read_back): the state is
read back first and only what did not take effect is sent again; other failures are never repeated.
Bulk-serial and generate-configs send the items left; a manifest create takes a manifest found as done."""

from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.breakwater import BreakwaterClient
from ansible_collections.breakwater.ztp.plugins.module_utils.forticloud_auth import FortiCloudAuth
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp import FortiZTPClient
from ansible_collections.breakwater.ztp.tests.unit.helpers.server import Reply, ScriptedServer

BW = "/api/v1/ztp"
BULK = BW + "/devices/bulk-serial"
DEVICES = BW + "/devices"
GENERATE = BW + "/manifests/manifest_1/generate-configs"
MANIFESTS = BW + "/manifests"
EVENTS = BW + "/events"
ITEMS = [{"device_id": "d1", "serial_number": "SN1"}, {"device_id": "d2", "serial_number": "SN2"}]


@pytest.fixture
def server():
    with ScriptedServer() as scripted:
        yield scripted


def client(server, retries=2):
    return BreakwaterClient(server.url, "token", timeout=2, retries=retries, sleep=lambda s: None)


def ok(items):
    return Reply(200, {"processed": len(items), "successful": len(items), "failed": 0,
                       "results": [dict(i, status="success") for i in items]})


@pytest.mark.parametrize("failure", [Reply(503), Reply(500), Reply(drop=True)])
def test_bulk_serial_resends_only_the_items_that_did_not_take(server, failure):
    server.script(BULK, failure, ok(ITEMS[1:]))
    # d1 took its serial before the answer was lost; d2 did not.
    server.default(DEVICES, Reply(200, {"devices": [{"id": "d1", "serial_number": "SN1"},
                                                    {"id": "d2", "serial_number": None}], "total": 2}))
    answer = client(server).bulk_register_serials("manifest_1", ITEMS)
    posts = server.requests_to(BULK, "POST")
    assert [p.json()["serials"] for p in posts] == [ITEMS, ITEMS[1:]]
    assert (answer["processed"], answer["successful"], answer["failed"]) == (2, 2, 0)
    assert {r["device_id"]: r.get("recovered", False) for r in answer["results"]} == {"d1": True, "d2": False}


def test_bulk_serial_that_fully_took_is_not_sent_again(server):
    server.script(BULK, Reply(502))
    server.default(DEVICES, Reply(200, {"devices": [{"id": "d1", "serial_number": "SN1"},
                                                    {"id": "d2", "serial_number": "SN2"}], "total": 2}))
    answer = client(server).bulk_register_serials("manifest_1", ITEMS)
    assert len(server.requests_to(BULK, "POST")) == 1
    assert answer["successful"] == 2


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422])
def test_other_failures_are_never_repeated(server, status):
    server.script(BULK, Reply(status, {"error": {"code": "X", "message": "no"}}))
    with pytest.raises(ApiError):
        client(server).bulk_register_serials("manifest_1", ITEMS)
    assert len(server.requests_to(BULK, "POST")) == 1
    assert server.requests_to(DEVICES) == []


def test_the_retries_are_bounded(server):
    server.default(BULK, Reply(503))
    server.default(DEVICES, Reply(200, {"devices": [], "total": 0}))
    with pytest.raises(ApiError) as caught:
        client(server, retries=2).bulk_register_serials("manifest_1", ITEMS)
    assert caught.value.status == 503
    assert len(server.requests_to(BULK, "POST")) == 3


def test_forced_generation_skips_devices_that_got_a_config_meanwhile(server):
    before = {"events": [{"id": "e1", "event_type": "config_generated", "device_id": "d1"}], "total": 1}
    after = {"events": before["events"] + [{"id": "e2", "event_type": "config_generated", "device_id": "d1"}],
             "total": 2}
    server.script(EVENTS, Reply(200, before), Reply(200, after))
    server.script(GENERATE, Reply(drop=True), Reply(202, {"job_id": "j2", "devices_queued": 1}))
    answer = client(server).generate_configs("manifest_1", device_ids=["d1", "d2"], force_regenerate=True)
    posts = server.requests_to(GENERATE, "POST")
    assert [p.json()["device_ids"] for p in posts] == [["d1", "d2"], ["d2"]]
    assert all(p.json()["force_regenerate"] for p in posts)
    assert answer["recovered"] == ["d1"]


def test_unforced_generation_is_sent_again_as_is(server):
    """Without force the server skips current and in-progress configs: a repeat changes nothing twice."""
    server.script(GENERATE, Reply(504), Reply(202, {"job_id": "j2", "devices_queued": 0}))
    client(server).generate_configs("manifest_1", device_ids=["d1"])
    posts = server.requests_to(GENERATE, "POST")
    assert [p.json() for p in posts] == [{"force_regenerate": False, "device_ids": ["d1"]}] * 2
    assert server.requests_to(EVENTS) == []


class ManifestService(object):
    """/manifests with one outcome per POST: "ok", "lost" (created, answer lost: 503 after the write),
    "drop" (created, connection dropped), "503" (refused before the write)."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.manifests = []

    def __call__(self, request):
        if request.method == "GET":
            site = request.query.get("site_id")
            listed = [m for m in self.manifests if m["site_id"] == site]
            return Reply(200, {"manifests": listed, "total": len(listed)})
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if outcome == "503":
            return Reply(503, {"error": {"code": "UNAVAILABLE", "message": "try later"}})
        manifest = dict(request.json(), id="manifest_%d" % (len(self.manifests) + 1), status="draft")
        self.manifests.append(manifest)
        return {"ok": Reply(201, manifest), "lost": Reply(503), "drop": Reply(drop=True)}[outcome]


BODY = {"name": "Floor C", "site_id": "site-9"}


def test_manifest_create_refused_twice_is_sent_again_and_creates_one(server):
    service = ManifestService("503", "503")
    server.default(MANIFESTS, service)
    created = client(server).create_manifest(BODY)
    assert [m["id"] for m in service.manifests] == ["manifest_1"] and created["id"] == "manifest_1"
    assert len(server.requests_to(MANIFESTS, "POST")) == 3
    assert len(server.requests_to(MANIFESTS, "GET")) == 2  # read back before each repeat


@pytest.mark.parametrize("outcome", ["lost", "drop"])
def test_manifest_create_that_took_effect_is_read_back_not_sent_again(server, outcome):
    service = ManifestService(outcome)
    server.default(MANIFESTS, service)
    created = client(server).create_manifest(BODY)
    assert len(service.manifests) == 1 and created["id"] == "manifest_1" and created["name"] == "Floor C"
    assert len(server.requests_to(MANIFESTS, "POST")) == 1
    assert [r.query.get("site_id") for r in server.requests_to(MANIFESTS, "GET")] == ["site-9"]


def test_manifest_create_refused_more_often_than_retries_fails_with_the_api_error(server):
    service = ManifestService("503", "503", "503")
    server.default(MANIFESTS, service)
    with pytest.raises(ApiError) as caught:
        client(server, retries=2).create_manifest(BODY)
    assert (caught.value.status, caught.value.code, caught.value.resource) == (503, "UNAVAILABLE", "Floor C")
    assert service.manifests == [] and len(server.requests_to(MANIFESTS, "POST")) == 3


def test_manifest_create_validation_error_is_not_read_back(server):
    server.default(MANIFESTS, Reply(422, {"error": {"code": "VALIDATION_ERROR", "message": "name"}}))
    with pytest.raises(ApiError):
        client(server).create_manifest(BODY)
    assert len(server.requests_to(MANIFESTS, "POST")) == 1 and server.requests_to(MANIFESTS, "GET") == []


def fortiztp(server):
    auth = FortiCloudAuth(server.url, access_token="given-token", timeout=2, retries=0)
    return FortiZTPClient(auth, server.url, timeout=2, retries=2, sleep=lambda s: None)


def test_script_create_whose_answer_was_lost_is_read_back_not_sent_again(server):
    server.script("/setting/scripts", Reply(drop=True), Reply(200, {"data": [{"oid": 7, "name": "baseline"}]}))
    created = fortiztp(server).create_script("baseline")
    assert created == {"oid": 7, "name": "baseline"}
    assert [r.method for r in server.requests_to("/setting/scripts")] == ["POST", "GET"]


def test_fortimanager_create_refused_then_read_back_absent_is_sent_again(server):
    other = {"oid": 1, "sn": "FMG-VM0000000001", "ip": "10.0.0.1"}
    body = {"sn": "FMG-VM0000000002,FMG-VM0000000003", "ip": "10.0.1.10,10.0.1.11"}
    server.script("/setting/fortimanagers", Reply(502), Reply(200, {"data": [other]}), Reply(200, dict(body, oid=2)))
    created = fortiztp(server).create_fortimanager(body)
    assert created["oid"] == 2
    assert [r.method for r in server.requests_to("/setting/fortimanagers")] == ["POST", "GET", "POST"]
