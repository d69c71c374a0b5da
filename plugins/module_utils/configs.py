# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Config generation: which devices need it, waiting for it, and saving configs to files.

The selection and naming logic is pure (unit tested); the wait and the downloads take the
BreakwaterClient as an argument and do no HTTP of their own.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError
from ansible_collections.breakwater.ztp.plugins.module_utils.files import safe_file_name
from ansible_collections.breakwater.ztp.plugins.module_utils.polling import poll
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import InputError

# A device in one of these states holds a generated config (deployment keeps it).
HAS_CONFIG_STATUSES = frozenset(("config_generated", "deploying", "online", "failed"))
# A device in one of these states has a serial but no usable config.
NEEDS_CONFIG_STATUSES = frozenset(("serial_registered", "config_failed"))
CONFIG_DONE_EVENTS = frozenset(("config_generated", "config_failed"))


def select_devices(devices, device_ids=None, hostnames=None):
    """The manifest's devices the user asked for (all when neither list is given).

    Raises InputError naming every unknown id or hostname, before anything is written.
    """
    for field, key, wanted in (("device_ids", "id", device_ids), ("hostnames", "hostname", hostnames)):
        if wanted:
            by_key = dict((d.get(key), d) for d in devices)
            unknown = [w for w in wanted if w not in by_key]
            if unknown:
                raise InputError(field, unknown, "are not devices of this manifest (DEVICE_NOT_FOUND)")
            return [by_key[w] for w in _unique(wanted)]
    return list(devices)


def _unique(values):
    seen = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def plan_generation(devices, force=False):
    """(to_generate, skipped): the devices to queue, and why the others are not.

    Without ``force`` a device that already holds a config is current; a device without a
    serial cannot get one (the server would skip it too).
    """
    queue, skipped = [], []
    for device in devices:
        status = device.get("status")
        if not device.get("serial_number") or status == "pending":
            skipped.append(brief(device, reason="no_serial"))
        elif force or status in NEEDS_CONFIG_STATUSES:
            queue.append(device)
        elif status in HAS_CONFIG_STATUSES:
            skipped.append(brief(device, reason="config_current"))
        else:
            queue.append(device)  # a status this module does not know: let the server decide
    return queue, skipped


def brief(device, **extra):
    """A device as the config module reports it: id, hostname, status and ``extra``."""
    out = {"id": device.get("id"), "hostname": device.get("hostname"), "status": device.get("status")}
    out.update(extra)
    return out


def config_file_names(devices, extension):
    """``<hostname>.<extension>`` for each device id; characters unsafe in a file name become ``_``.

    Raises InputError when two hostnames map to the same file name.
    """
    names = {}
    owner = {}
    for device in devices:
        hostname = device.get("hostname") or device.get("id")
        name = "%s.%s" % (safe_file_name(hostname), extension)
        if name in owner and owner[name] != device.get("id"):
            raise InputError("dest", name, "would hold the configs of both %s and %s" % (owner[name], device.get("id")))
        owner[name] = device.get("id")
        names[device.get("id")] = name
    return names


def config_file_content(answer, fmt):
    """The bytes saved for a config answer: the text as is, or the JSON sorted and indented."""
    content = answer.get("content") if isinstance(answer, dict) else None
    if fmt == "json":
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except ValueError:
                pass
        return (json.dumps(content, indent=2, sort_keys=True) + "\n").encode("utf-8")
    if content is None:
        content = ""
    if not isinstance(content, str):
        content = json.dumps(content, indent=2, sort_keys=True) + "\n"
    return content.encode("utf-8")


def event_ids(events):
    return set(e.get("id") for e in events if e.get("id") is not None)


def finished_devices(events, device_ids, known_event_ids):
    """device id -> its newest config_generated/config_failed event not seen before the request."""
    done = {}
    for event in events:
        if event.get("id") in known_event_ids or event.get("event_type") not in CONFIG_DONE_EVENTS:
            continue
        if event.get("device_id") in device_ids:
            done[event["device_id"]] = event
    return done


def generate_configs(client, manifest_id, devices, force, timeout, interval, wait=True, on_poll=None, clock=None,
                     sleep=None):
    """Queue the configs of ``devices`` and, with ``wait``, wait for each: the one config generation of the
    collection (the config module, the site's configs step). Returns
    ``{"job", "generated": [devices], "failed": [failure_of...], "skipped": [ids the server skipped]}``.

    The API has no job-status endpoint, and a device regenerated with ``force`` already shows
    ``config_generated``, so its status alone cannot tell old from new: the events can (one listing
    before the request, then one per poll). ``on_poll(counts, total)`` runs after each poll with
    ``{"generated", "failed", "pending"}``; a generation not finished after ``timeout`` seconds raises
    polling.WaitTimeout (its ``last``: device id -> event), naming the hosts still pending: the
    caller decides what that becomes.
    """
    known = event_ids(client.list_events(manifest_id=manifest_id)) if wait else set()
    job = client.generate_configs(manifest_id, device_ids=[d["id"] for d in devices], force_regenerate=force)
    skipped = set(item.get("device_id") or item.get("id") for item in (job or {}).get("skipped") or [])
    queued = [d for d in devices if d["id"] not in skipped]
    outcome = {"job": job, "generated": [], "failed": [], "skipped": sorted(skipped)}
    if not wait or not queued:
        return outcome
    ids = set(d["id"] for d in queued)

    def report(done, elapsed):
        if on_poll:
            failed = sum(1 for e in done.values() if e.get("event_type") == "config_failed")
            on_poll({"generated": len(done) - failed, "failed": failed, "pending": len(ids) - len(done)}, len(ids))

    done = poll(lambda: finished_devices(client.list_events(manifest_id=manifest_id), ids, known),
                lambda done: len(done) >= len(ids), timeout, interval, on_poll=report, clock=clock, pause=sleep,
                describe=lambda done: "configs of %s" % ", ".join(sorted(
                    str(d.get("hostname") or d["id"]) for d in queued if d["id"] not in done)))
    outcome["failed"] = [failure_of(d, done[d["id"]]) for d in queued if done[d["id"]].get("event_type") == "config_failed"]
    outcome["generated"] = [d for d in queued if done[d["id"]].get("event_type") == "config_generated"]
    return outcome


def save_configs(client, devices, dest, fmt, write, workers):
    """Download the configs of the ``devices`` that hold one, ``workers`` at once, and hand each file to
    ``write(path, content)`` (the caller's file operation: True when the file changed). The one
    config download of the collection (the config module, the site's configs step). Returns one
    entry per device: ``{"id", "hostname", "path", "changed"}``, with the ``reason`` it has no file.
    """
    names = config_file_names(devices, "json" if fmt == "json" else "cfg")
    with_config = [d for d in devices if d.get("status") in HAS_CONFIG_STATUSES]
    answers = download_configs(client, with_config, fmt, workers) if with_config else {}
    entries = []
    for device in devices:
        entry = {"id": device.get("id"), "hostname": device.get("hostname"),
                 "path": "%s/%s" % (dest.rstrip("/"), names[device.get("id")]), "changed": False}
        if device.get("id") in answers:
            entry["changed"] = bool(write(entry["path"], config_file_content(answers[device["id"]], fmt)))
        else:
            entry["reason"] = "no config (status %s)" % device.get("status")
        entries.append(entry)
    return entries


def missing_config_files(devices, dest, fmt, exists):
    """The devices holding a config whose file under ``dest`` is missing."""
    names = config_file_names(devices, "json" if fmt == "json" else "cfg")
    return [d for d in devices if d.get("status") in HAS_CONFIG_STATUSES
            and not exists("%s/%s" % (dest.rstrip("/"), names[d["id"]]))]


def files_to_save(devices, dest, fmt, exists, regenerated=(), save_all=False):
    """The devices whose config file is saved: those holding a config that was (re)generated now or whose
    file is missing (a current file is not downloaded again), or all holding one with ``save_all``."""
    holding = [d for d in devices if d.get("status") in HAS_CONFIG_STATUSES]
    if save_all:
        return holding
    missing = set(d["id"] for d in missing_config_files(holding, dest, fmt, exists))
    return [d for d in holding if d["id"] in missing or d["id"] in set(regenerated)]


def failure_of(device, event):
    """What the user sees for a device whose config generation failed."""
    details = (event or {}).get("details") or {}
    return {
        "id": device.get("id"),
        "hostname": device.get("hostname"),
        "code": details.get("code") or device.get("status_reason") or "CONFIG_GENERATION_FAILED",
        "message": details.get("message") or "config generation failed",
        "template_id": details.get("template_id") or device.get("config_template"),
        "variable": details.get("variable"),
    }


def download_configs(client, devices, fmt, max_workers):
    """device id -> config answer, fetched with at most ``max_workers`` parallel calls.

    Each worker thread uses its own twin of the client (``client.for_thread()``: its own HTTP
    session); their calls are added to ``client.calls``. An ApiError of any download is raised
    once every download has ended.
    """
    local = threading.local()
    twins = []

    def fetch(device):
        twin = getattr(local, "client", None)
        if twin is None:
            if hasattr(client, "for_thread"):
                twin = client.for_thread()
                twins.append(twin)
            else:  # a test double without HTTP: shared as it is
                twin = client
            local.client = twin
        return device.get("id"), twin.get_device_config(device.get("id"), format=fmt)

    answers = {}
    workers = max(1, min(int(max_workers), len(devices) or 1))
    first_error = None
    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(fetch, device) for device in devices]
            for future in futures:
                try:
                    device_id, answer = future.result()
                    answers[device_id] = answer
                except ApiError as exc:
                    first_error = first_error or exc
    finally:
        for twin in twins:
            client.add_calls(twin)
    if first_error is not None:
        raise first_error
    return answers
