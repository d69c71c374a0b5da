# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The event source breakwater.ztp.events (extensions/eda) against the lab, with a fake queue.

Events are made in the lab by real API calls (a manifest created: ``manifest_created``; a
deployment of manifest_123 whose FortiGate is not in FortiZTP: ``device_failed``) and by the
control plane (``/_lab/devices/{id}/fail``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest

from ansible_collections.breakwater.ztp.extensions.eda.plugins.event_source import events as source

TOKEN_IN_TEST = "bw-lab-token"


class FakeQueue(object):
    """What ansible-rulebook hands a source: only ``put`` is used."""

    def __init__(self):
        self.items = []

    async def put(self, item):
        self.items.append(item)


def params(lab, tmp_path=None, **extra):
    args = {"url": lab.url, "api_token": lab.breakwater_token, "interval": 0.1, "retries": 0}
    if tmp_path is not None:
        args["state_file"] = str(tmp_path / "cursor.json")
    args.update(extra)
    return source.check_arguments(args)


def create_manifest(lab, name, site_id="site_eda"):
    resp = lab.bw("POST", "/manifests", json={"name": name, "site_id": site_id, "topology_source": "helm_topology_789"})
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def deploy_manifest_123(lab):
    """Deploy the fixture manifest (time frozen, then advanced): its FortiGate, not provisioned in
    FortiZTP, fails with ZTP_NOT_PROVISIONED; the six others go online."""
    assert lab.bw("POST", "/manifests/manifest_123/generate-configs").status_code == 202
    lab.advance(5)
    assert lab.bw("PUT", "/manifests/manifest_123", json={"status": "deploying"}).status_code == 200
    lab.advance(60)


def types(batch):
    return [e["breakwater_ztp"]["type"] for e in batch]


def test_fresh_start_replays_nothing_then_gives_each_new_event_once(lab, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    create_manifest(lab, "Before the start")
    poller = source.EventPoller(params(lab, tmp_path))
    assert poller.poll() == []  # history: not replayed
    assert "earlier event(s) not replayed" in caplog.text
    manifest_id = create_manifest(lab, "After the start")
    batch = poller.poll()
    assert types(batch) == ["manifest_created"]
    event = batch[0]["breakwater_ztp"]
    assert event["manifest_id"] == manifest_id and event["site_id"] == "site_eda"
    assert event["status"] == "draft" and event["device_id"] is None and event["hostname"] is None
    assert set(event) == {"type", "id", "timestamp", "site_id", "manifest_id", "device_id", "hostname",
                          "serial_number", "status", "details"}
    assert poller.poll() == []
    assert TOKEN_IN_TEST not in caplog.text and TOKEN_IN_TEST not in json.dumps(batch)


def test_restart_from_the_cursor_neither_replays_nor_misses(lab, tmp_path):
    first = source.EventPoller(params(lab, tmp_path))
    first.poll()
    first.save()
    create_manifest(lab, "Seen by the first run")
    assert types(first.poll()) == ["manifest_created"]
    first.save()
    cursor = json.loads((tmp_path / "cursor.json").read_text())
    assert cursor["timestamp"] and cursor["seen"]
    missed = create_manifest(lab, "Made while the source was down")
    second = source.EventPoller(params(lab, tmp_path))  # a restart: the cursor, no priming
    assert [e["breakwater_ztp"]["manifest_id"] for e in second.poll()] == [missed]
    second.save()
    assert source.EventPoller(params(lab, tmp_path)).poll() == []


def test_events_sharing_a_timestamp_are_given_once_each(lab, tmp_path):
    lab.settings(speed=0)  # the lab's clock stands still: every event has the same timestamp
    poller = source.EventPoller(params(lab, tmp_path))
    poller.poll()
    poller.save()
    one = create_manifest(lab, "One")
    assert [e["breakwater_ztp"]["manifest_id"] for e in poller.poll()] == [one]
    poller.save()
    two = create_manifest(lab, "Two")
    three = create_manifest(lab, "Three")
    batch = poller.poll()
    assert [e["breakwater_ztp"]["manifest_id"] for e in batch] == [two, three]
    assert len(set(e["breakwater_ztp"]["timestamp"] for e in batch)) == 1
    poller.save()
    assert sorted(json.loads((tmp_path / "cursor.json").read_text())["seen"]) == sorted(
        e["id"] for e in lab.bw("GET", "/events").json()["events"] if e["manifest_id"] in (one, two, three))
    restarted = source.EventPoller(params(lab, tmp_path))
    assert restarted.poll() == []
    four = create_manifest(lab, "Four")
    assert [e["breakwater_ztp"]["manifest_id"] for e in restarted.poll()] == [four]


def test_since_replays_from_a_date_and_device_events_carry_the_device(lab, tmp_path):
    lab.settings(speed=0)
    deploy_manifest_123(lab)
    poller = source.EventPoller(params(lab, tmp_path, since="2000-01-01T00:00:00Z", event_types=["device_failed"]))
    batch = poller.poll()
    assert len(batch) == 1
    event = batch[0]["breakwater_ztp"]
    assert event["type"] == "device_failed" and event["hostname"] == "fw-prod-01"
    assert event["serial_number"] and event["status"] == "failed" and event["site_id"] == "site_456"
    assert event["details"]["reason"] == "ZTP_NOT_PROVISIONED"


def test_filters_site_manifest_and_event_types(lab, tmp_path):
    lab.settings(speed=0)
    by_site = source.EventPoller(params(lab, site_id="site_456"))
    by_manifest = source.EventPoller(params(lab, manifest_id="manifest_123"))
    by_types = source.EventPoller(params(lab, event_types=["device_online", "deployment_failed"]))
    one_type = source.EventPoller(params(lab, event_types=["device_online"]))
    pollers = (by_site, by_manifest, by_types, one_type)
    for poller in pollers:
        poller.poll()
    create_manifest(lab, "Another site", site_id="site_other")
    deploy_manifest_123(lab)
    lab.reset_counters()
    site_batch, manifest_batch, types_batch, one_batch = [p.poll() for p in pollers]
    assert "manifest_created" not in types(site_batch) and "manifest_created" not in types(manifest_batch)
    assert types(site_batch) == types(manifest_batch)
    assert set(types(site_batch)) >= {"config_generated", "deployment_started", "device_online", "device_failed",
                                      "deployment_failed"}
    assert types(types_batch) == ["device_online"] * 6 + ["deployment_failed"]
    assert types(one_batch) == ["device_online"] * 6
    assert {e["breakwater_ztp"]["status"] for e in one_batch} == {"online"}
    # One type is asked of the server; several are filtered here.
    routes = lab.counters()["by_route"]
    assert routes["GET /api/v1/ztp/events"] == 4


def test_backoff_on_503_logs_the_outage_once_and_goes_on(lab, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    queue = FakeQueue()
    cursor = tmp_path / "cursor.json"

    async def scenario():
        task = asyncio.ensure_future(source.main(queue, dict(
            url=lab.url, api_token=lab.breakwater_token, interval=0.1, retries=0, state_file=str(cursor))))
        try:
            await wait_for(cursor.exists)
            lab.fault(path="/api/v1/ztp/events", status=503, count=4)
            await asyncio.to_thread(create_manifest, lab, "During the outage")
            await wait_for(lambda: queue.items)
        finally:
            task.cancel()
        return task

    task = run_with_timeout(scenario())
    assert types(queue.items) == ["manifest_created"]
    faults = lab.session.get(lab.url + "/_lab/faults", timeout=5).json()["faults"]
    assert faults[0]["hits"] == 4
    outage = [r.getMessage() for r in caplog.records if "not answering" in r.getMessage()]
    assert len(outage) == 1 and "503" in outage[0]
    assert "answers again after 4 failed poll(s)" in caplog.text
    assert task.cancelled()


def test_backoff_delays_grow_and_stop_at_a_cap():
    assert [source.outage_delay(n, 10) for n in (1, 2, 3, 6, 20)] == [10, 20, 40, 300, 300]


def test_a_refused_token_stops_the_source_with_a_clear_message(lab, caplog):
    wrong = "not-the-token-123"
    with pytest.raises(source.EventSourceError) as failure:
        run_with_timeout(source.main(FakeQueue(), dict(url=lab.url, api_token=wrong, interval=0.1)))
    message = str(failure.value)
    assert "refused the API token" in message and "HTTP 401" in message and "BREAKWATER_API_TOKEN" in message
    assert wrong not in message and wrong not in caplog.text


def test_arguments_come_from_the_environment_and_bad_ones_are_named(lab, monkeypatch):
    monkeypatch.setenv("BREAKWATER_URL", lab.url)
    monkeypatch.setenv("BREAKWATER_API_TOKEN", lab.breakwater_token)
    checked = source.check_arguments({"eda_feedback_queue": object(), "url": None, "site_id": None})
    assert (checked["url"], checked["interval"], checked["validate_certs"]) == (lab.url, 10.0, True)
    for bad, named in (({"interval": 0}, "interval"), ({"since": "yesterday"}, "since"),
                       ({"event_type": "x"}, "event_type"), ({"interval": "soon"}, "interval")):
        with pytest.raises(source.EventSourceError, match=named):
            source.check_arguments(bad)
    monkeypatch.delenv("BREAKWATER_URL")
    with pytest.raises(source.EventSourceError, match="url"):
        source.check_arguments({})


async def wait_for(condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %ss" % timeout)
        await asyncio.sleep(0.05)


def run_with_timeout(coroutine, timeout=30.0):
    async def bounded():
        return await asyncio.wait_for(coroutine, timeout)
    return asyncio.run(bounded())
