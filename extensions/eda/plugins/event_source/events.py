# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""breakwater.ztp.events: an Event-Driven Ansible source of Breakwater ZTP events.

It polls ``GET /events`` every ``interval`` seconds through the collection's own HTTP layer and
Breakwater client (retries, TLS and the masking of secrets stay in one place) and puts one event
per new API event on the queue. The cursor (the newest timestamp seen and the ids that carry it)
is kept in ``state_file``, written atomically after each batch. See docs/eda.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from datetime import datetime, timezone

DOCUMENTATION = r"""
---
short_description: Breakwater ZTP deployment events, polled from the Breakwater API
description:
  - Polls C(GET /events) of the Breakwater ZTP API every O(interval) seconds and puts one event
    on the queue for each new API event, as
    C({"breakwater_ztp": {"type", "id", "timestamp", "site_id", "manifest_id", "device_id",
    "hostname", "serial_number", "status", "details"}}). C(hostname), C(serial_number) and
    C(status) (the device's, or the manifest's for a manifest event) are read from the devices
    and manifests when the batch arrives.
  - A start with no cursor in O(state_file) and no O(since) replays no history. The cursor is
    written atomically after each batch, so a restart neither replays nor misses an event.
  - A connection error, a timeout or an HTTP 5xx or 429 is logged once per outage and retried
    with backoff; HTTP 401 or 403 stop the source with a message.
options:
  url:
    description: Base URL of the Breakwater API. Defaults to the environment variable C(BREAKWATER_URL).
    type: str
  api_token:
    description: API token. Defaults to the environment variable C(BREAKWATER_API_TOKEN). Never logged.
    type: str
  site_id:
    description: Only events of the manifests of this site.
    type: str
  manifest_id:
    description: Only events of this manifest.
    type: str
  event_types:
    description: Only these event types (for example C(device_failed), C(config_failed)).
    type: list
    elements: str
  interval:
    description: Seconds between two polls.
    type: float
    default: 10
  state_file:
    description:
      - File holding the cursor. Without it a restart starts at now again (events that came
        while the source was down are not replayed).
    type: path
  since:
    description:
      - ISO 8601 date to replay events from, when O(state_file) holds no cursor yet.
    type: str
  validate_certs:
    description: Verify the server's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: CA bundle for a private CA.
    type: path
  timeout:
    description: Seconds to wait for an answer.
    type: int
    default: 30
  retries:
    description: Retries of one call (5xx, 429, connection errors) before the poll counts as failed.
    type: int
    default: 3
"""

EXAMPLES = r"""
- name: Heal failed devices
  hosts: all
  sources:
    - breakwater.ztp.events:
        site_id: site_floor_a
        event_types: [device_failed, config_failed]
        interval: 10
        state_file: /var/lib/eda/breakwater-floor-a.json
"""


def _import_collection():
    """The collection's module_utils, also when ansible-rulebook runs this file by its path.

    ansible-rulebook loads a source with runpy from <dir>/ansible_collections/breakwater/ztp/...,
    without putting <dir> on sys.path: it is added here, as are the ANSIBLE_COLLECTIONS_PATH entries.
    """
    try:
        from ansible_collections.breakwater.ztp.plugins.module_utils import breakwater, files, http_client
    except ImportError:
        here = os.path.abspath(__file__)  # not resolved: the collection may be a symlink to a checkout
        roots = [os.path.dirname(p) for p in _parents(here) if os.path.basename(p) == "ansible_collections"]
        roots += [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
        for root in roots:
            if root not in sys.path:
                sys.path.append(root)
        for name in [n for n in sys.modules if n == "ansible_collections" or n.startswith("ansible_collections.")]:
            del sys.modules[name]  # a namespace package resolved before the path was there
        from ansible_collections.breakwater.ztp.plugins.module_utils import breakwater, files, http_client
    return breakwater, files, http_client


def _parents(path):
    while True:
        parent = os.path.dirname(path)
        if parent == path:
            return
        yield parent
        path = parent


breakwater, files, http_client = _import_collection()

LOG = logging.getLogger("breakwater.ztp.events")

ARGUMENT_SPEC = breakwater.breakwater_argument_spec(
    site_id=dict(type="str"),
    manifest_id=dict(type="str"),
    event_types=dict(type="list", elements="str"),
    interval=dict(type="float", default=10.0),
    state_file=dict(type="path"),
    since=dict(type="str"),
)
MAX_OUTAGE_DELAY = 300.0  # seconds between two polls during a long outage
STATE_VERSION = 1


class EventSourceError(Exception):
    """Stops the source: bad arguments, refused credentials, an answer that will not change."""


def check_arguments(args):
    """The validated arguments (defaults and BREAKWATER_* fallbacks applied), or EventSourceError
    naming each bad one."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    # None is "not given" (a rulebook's "{{ x | default(None) }}"), so the BREAKWATER_* fallbacks apply.
    given = dict((k, v) for k, v in (args or {}).items() if v is not None and not k.startswith("eda_"))
    result = ArgumentSpecValidator(ARGUMENT_SPEC).validate(given)
    problems = [str(e) for e in result.errors]
    params = result.validated_parameters
    if not problems:
        if params["interval"] <= 0:
            problems.append("interval must be more than 0 seconds, got %s" % params["interval"])
        if params["since"]:
            try:
                parse_timestamp(params["since"])
            except ValueError:
                problems.append("since must be an ISO 8601 date (2026-01-21T11:00:00Z), got %r" % params["since"])
    if problems:
        raise EventSourceError("breakwater.ztp.events: " + "; ".join(problems))
    return params


def parse_timestamp(value):
    """An aware datetime from an ISO 8601 timestamp (``Z`` or an offset; naive means UTC)."""
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class Cursor(object):
    """Where the source is: the newest timestamp seen and the ids of the events that carry it.

    ``timestamp`` None with ``started`` means "started with no event yet": every event is new.
    """

    def __init__(self, timestamp=None, seen=(), started=False):
        self.timestamp = timestamp
        self.seen = set(seen)
        self.started = started

    @classmethod
    def load(cls, path):
        if not path or not os.path.exists(path):
            return cls()
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            return cls(data.get("timestamp"), data.get("seen") or [], started=True)
        except (OSError, ValueError, AttributeError) as exc:
            raise EventSourceError("breakwater.ztp.events: state_file %s cannot be read: %s" % (path, exc))

    def save(self, path):
        data = {"version": STATE_VERSION, "timestamp": self.timestamp, "seen": sorted(self.seen)}
        files.write_if_changed(path, (json.dumps(data, indent=2) + "\n").encode("utf-8"), "state_file")

    def new_events(self, events):
        """The events after the cursor (by timestamp, then by id), oldest first; moves the cursor
        past every event listed, matching the filters or not."""
        after = parse_timestamp(self.timestamp) if self.timestamp else None
        fresh, ids = [], set()
        for event in events:
            event_id = event.get("id")
            when = parse_timestamp(event["timestamp"])
            if event_id in self.seen or event_id in ids or (after is not None and when < after):
                continue
            ids.add(event_id)
            fresh.append((when, event))
        fresh.sort(key=lambda item: item[0])  # stable: the server's order within one timestamp
        if fresh:
            newest = fresh[-1][0]
            if after is None or newest > after:
                self.timestamp, self.seen = fresh[-1][1]["timestamp"], set()
            self.seen.update(e.get("id") for w, e in fresh if w == newest)
        self.started = True
        return [e for w, e in fresh]


def is_transient(exc):
    """A failure worth waiting out: no answer (but not a TLS failure), HTTP 429 or 5xx."""
    if exc.status is None:
        return exc.code in ("CONNECTION_ERROR", "TIMEOUT")
    return exc.status == 429 or exc.status >= 500


def outage_delay(failures, interval):
    """Seconds to wait after the n-th failed poll in a row: the interval, doubled each time, capped."""
    return min(MAX_OUTAGE_DELAY, interval * 2 ** min(failures - 1, 10))


class EventPoller(object):
    """One poll at a time (blocking calls; the async loop runs them in a thread)."""

    def __init__(self, params, client=None):
        self.params = params
        self.client = client or breakwater.BreakwaterClient.from_params(params)
        self.cursor = Cursor.load(params["state_file"])
        if not self.cursor.started and params["since"]:
            self.cursor = Cursor(params["since"], started=True)
        types = params["event_types"] or []
        # One type is filtered by the server; several are filtered here.
        self.server_type = types[0] if len(types) == 1 else None
        self.types = set(types)

    def poll(self):
        """The new events of one poll, as queue events; the cursor moved past them (not saved)."""
        priming = not self.cursor.started
        listed = self.client.list_events(manifest_id=self.params["manifest_id"], event_type=self.server_type,
                                         start_date=self.cursor.timestamp)
        fresh = self.cursor.new_events(listed)
        if priming:
            LOG.info("breakwater.ztp.events: starting at now (%s): %d earlier event(s) not replayed",
                     self.cursor.timestamp or "no event yet", len(fresh))
            return []
        fresh = [e for e in fresh if not self.types or e.get("event_type") in self.types]
        return self.describe(fresh) if fresh else []

    def describe(self, events):
        """The queue events: each API event with its site, device name, serial and status."""
        manifests = dict((m.get("id"), m) for m in self.client.list_manifests(site_id=self.params["site_id"]))
        if self.params["site_id"]:
            events = [e for e in events if e.get("manifest_id") in manifests]
        devices = {}
        for manifest_id in sorted(set(e.get("manifest_id") for e in events if e.get("device_id"))):
            if manifest_id in manifests:
                devices.update((d.get("id"), d) for d in self.client.list_devices(manifest_id=manifest_id))
        return [queue_event(e, manifests.get(e.get("manifest_id")) or {}, devices.get(e.get("device_id")))
                for e in events]

    def save(self):
        if self.params["state_file"]:
            self.cursor.save(self.params["state_file"])


def queue_event(event, manifest, device):
    """``{"breakwater_ztp": {...}}`` for one API event."""
    details = event.get("details") or {}
    subject = device if event.get("device_id") else manifest
    return {"breakwater_ztp": {
        "type": event.get("event_type"),
        "id": event.get("id"),
        "timestamp": event.get("timestamp"),
        "site_id": manifest.get("site_id"),
        "manifest_id": event.get("manifest_id"),
        "device_id": event.get("device_id"),
        "hostname": (device or {}).get("hostname"),
        "serial_number": (device or {}).get("serial_number") or details.get("serial_number"),
        "status": (subject or {}).get("status"),
        "details": details,
    }}


async def run(queue, poller, interval):
    """Poll forever: put each batch on the queue, then save the cursor; wait out outages."""
    failures = 0
    while True:
        try:
            batch = await asyncio.to_thread(poller.poll)
        except http_client.ApiError as exc:
            if exc.status in (401, 403):
                raise EventSourceError(
                    "breakwater.ztp.events: Breakwater refused the API token (%s); check api_token or "
                    "BREAKWATER_API_TOKEN and its permissions. The source stops." % exc)
            if not is_transient(exc):
                raise EventSourceError("breakwater.ztp.events: %s. The source stops." % exc)
            failures += 1
            if failures == 1:
                LOG.warning("breakwater.ztp.events: Breakwater is not answering (%s); polling on with backoff", exc)
            await asyncio.sleep(outage_delay(failures, interval))
            continue
        if failures:
            LOG.warning("breakwater.ztp.events: Breakwater answers again after %d failed poll(s)", failures)
            failures = 0
        for event in batch:
            await queue.put(event)
        await asyncio.to_thread(poller.save)
        await asyncio.sleep(interval)


async def main(queue, args):
    """ansible-rulebook's entry point."""
    params = check_arguments(args)
    try:
        poller = EventPoller(params)
    except files.InputError as exc:
        raise EventSourceError("breakwater.ztp.events: %s" % exc)
    try:
        await run(queue, poller, params["interval"])
    except files.InputError as exc:  # the state file cannot be written
        raise EventSourceError("breakwater.ztp.events: %s" % exc)


if __name__ == "__main__":
    # Prints events as they come: BREAKWATER_URL=... BREAKWATER_API_TOKEN=... python events.py
    class _PrintQueue(object):
        async def put(self, event):
            print(json.dumps(event))

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), {"interval": 5}))
