"""breakwater.ztp.manifest against a fake client: lifecycle, check mode, waits and their failures."""
from __future__ import annotations

import copy

from ansible_collections.breakwater.ztp.plugins.modules import manifest
from ansible_collections.breakwater.ztp.tests.unit.helpers.modules import run_module


class FakeBreakwater(object):
    """Manifests in a dict; ``deploy_to`` is the status a deployment ends in (None: never ends).

    A deployment ends at the second read after it started (the module reads once after its update).
    """

    def __init__(self, manifests=(), deploy_to="deployed"):
        self.manifests = dict((m["id"], copy.deepcopy(m)) for m in manifests)
        self.deploy_to = deploy_to
        self.writes = []
        self.calls = 0

    def list_manifests(self, site_id=None, status=None):
        self.calls += 1
        return [m for m in self.manifests.values() if site_id in (None, m.get("site_id"))]

    def get_manifest(self, manifest_id):
        self.calls += 1
        found = self.manifests[manifest_id]
        if found["status"] == "deploying" and self.deploy_to:
            found["reads"] = found.get("reads", 0) + 1
            if found["reads"] >= 2:
                found["status"] = self.deploy_to
                del found["reads"]
        return copy.deepcopy(found)

    def create_manifest(self, body):
        self.calls += 1
        self.writes.append(("create", body))
        created = dict(body, id="manifest_new", status="draft", devices=[])
        self.manifests[created["id"]] = created
        return dict(created)

    def update_manifest(self, manifest_id, body):
        self.calls += 1
        self.writes.append(("update", manifest_id, body))
        self.manifests[manifest_id].update(body)
        return dict(self.manifests[manifest_id])

    def delete_manifest(self, manifest_id):
        self.calls += 1
        self.writes.append(("delete", manifest_id))
        del self.manifests[manifest_id]

    def list_events(self, **query):
        self.calls += 1
        return []


READY = {"id": "manifest_1", "name": "Floor A", "site_id": "site_1", "status": "ready",
         "devices": [{"id": "d1", "hostname": "sw-01", "status": "config_generated"},
                     {"id": "d2", "hostname": "fw-01", "status": "config_generated"}]}


def test_create_in_check_mode_writes_nothing():
    client = FakeBreakwater()
    result = run_module(manifest, {"site_id": "site_1", "name": "Floor B", "status": "ready"}, client, check_mode=True)
    assert result["changed"] and not result.get("failed")
    assert result["manifest"] == {"name": "Floor B", "site_id": "site_1", "status": "ready"}
    assert client.writes == []


def test_create_walks_the_lifecycle_to_deploying_and_waits():
    client = FakeBreakwater()
    result = run_module(manifest, {"site_id": "site_1", "name": "Floor B", "status": "deploying", "wait": True,
                                   "wait_timeout": 0}, client)
    assert [w[2] for w in client.writes if w[0] == "update"] == [{"status": "ready"}, {"status": "deploying"}]
    assert result["manifest"]["status"] == "deployed" and result["changed"]
    assert result["api_calls"] == client.calls


def test_deployment_with_failed_devices_fails_with_the_partial_result():
    ready = copy.deepcopy(READY)
    client = FakeBreakwater([ready], deploy_to="ready")
    client.manifests["manifest_1"]["devices"][0].update(status="online")
    client.manifests["manifest_1"]["devices"][1].update(status="failed", status_reason="ZTP_NOT_PROVISIONED")
    result = run_module(manifest, {"id": "manifest_1", "status": "deploying", "wait": True}, client)
    assert result["failed"] and result["changed"]
    assert "fw-01 (failed: ZTP_NOT_PROVISIONED)" in result["msg"]
    assert [d["hostname"] for d in result["failed_devices"]] == ["fw-01"]
    assert result["manifest"]["status"] == "ready" and "devices" not in result["manifest"]
    assert result["api_calls"] == client.calls


def test_a_deployment_still_running_at_the_timeout_fails_with_wait_timeout():
    client = FakeBreakwater([READY], deploy_to=None)
    result = run_module(manifest, {"id": "manifest_1", "status": "deploying", "wait": True, "wait_timeout": 0}, client)
    assert result["failed"]
    assert result["error"]["code"] == "WAIT_TIMEOUT" and result["error"]["resource"] == "manifest_1"


def test_a_negative_wait_timeout_or_a_zero_poll_interval_is_refused_before_any_write():
    client = FakeBreakwater([READY])
    result = run_module(manifest, {"id": "manifest_1", "status": "deploying", "wait": True, "wait_timeout": -1}, client)
    assert result["failed"] and result["field"] == "wait_timeout" and result["value"] == -1
    result = run_module(manifest, {"id": "manifest_1", "poll_interval": 0}, client)
    assert result["failed"] and result["field"] == "poll_interval"
    assert client.writes == []


def test_absent_deletes_once():
    client = FakeBreakwater([READY])
    result = run_module(manifest, {"id": "manifest_1", "state": "absent"}, client)
    assert result["changed"] and result["manifest"] == {} and client.writes == [("delete", "manifest_1")]
    result = run_module(manifest, {"site_id": "site_1", "name": "Floor A", "state": "absent"}, client)
    assert not result["changed"] and client.writes == [("delete", "manifest_1")]


class RacedBreakwater(FakeBreakwater):
    """Another run creates the same site's manifest of the same name just before this one's answer
    (the service has no lock and names are not unique): ``rival_first`` says whose is older."""

    def __init__(self, rival_first):
        super(RacedBreakwater, self).__init__()
        self.rival_first = rival_first

    def create_manifest(self, body):
        created = super(RacedBreakwater, self).create_manifest(body)
        mine, theirs = ("2026-12-03T10:00:01Z", "2026-12-03T10:00:00Z") if self.rival_first else (
            "2026-12-03T10:00:00Z", "2026-12-03T10:00:01Z")
        self.manifests[created["id"]]["created_at"] = mine
        self.manifests["manifest_rival"] = dict(body, id="manifest_rival", status="draft", devices=[], created_at=theirs)
        return dict(self.manifests[created["id"]])


def test_a_manifest_created_at_once_by_another_run_is_adopted_and_this_runs_copy_deleted():
    client, warnings = RacedBreakwater(rival_first=True), []
    result = run_module(manifest, {"site_id": "site_1", "name": "Floor B", "status": "ready"}, client, warnings=warnings)
    assert result["changed"] and not result.get("failed")
    assert result["manifest"]["id"] == "manifest_rival" and result["manifest"]["status"] == "ready"
    assert sorted(client.manifests) == ["manifest_rival"]
    assert ("delete", "manifest_new") in client.writes
    assert any("created by another run at the same time" in w for w in warnings)


def test_the_older_of_two_manifests_created_at_once_is_kept_by_its_creator():
    client = RacedBreakwater(rival_first=False)
    result = run_module(manifest, {"site_id": "site_1", "name": "Floor B", "status": "ready"}, client)
    assert result["manifest"]["id"] == "manifest_new" and result["manifest"]["status"] == "ready"
    assert not [w for w in client.writes if w[0] == "delete"]  # the rival's run deletes its own
