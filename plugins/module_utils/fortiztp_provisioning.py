# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Following FortiZTP provisioning: listing units by serial, their progress, the one wait."""

from __future__ import annotations

from ansible_collections.breakwater.ztp.plugins.module_utils.polling import poll

# A device is still on its way while it has a sub-status; `incomplete` means it gave up.
DONE, PENDING, INCOMPLETE = "done", "pending", "incomplete"
# Longest comma list of serials sent as a deviceSN filter; beyond it one unfiltered listing
# is cheaper than several filtered ones, and URLs stay well under common server limits.
MAX_SERIAL_FILTER_CHARS = 2000


def progress(record):
    """DONE, PENDING or INCOMPLETE for a provisioned device, from status and sub-status."""
    status = (record or {}).get("provisionStatus")
    if status == "incomplete":
        return INCOMPLETE
    if status == "provisioned" and record.get("provisionSubStatus") in (None, ""):
        return DONE
    if status == "provisioned" and record.get("provisionSubStatus") == "provisioningtoolong":
        return INCOMPLETE
    return PENDING


def serial_filter(serials):
    """The serials to send as a deviceSN filter, or None to list every device in one call."""
    serials = sorted(set(serials))
    if not serials or len(",".join(serials)) > MAX_SERIAL_FILTER_CHARS:
        return None
    return serials


def index_by_serial(records, serials=None):
    """Records keyed by deviceSN, keeping only ``serials`` (servers may ignore the filter)."""
    wanted = set(serials) if serials is not None else None
    found = {}
    for record in records:
        if isinstance(record, dict) and record.get("deviceSN") and (wanted is None or record["deviceSN"] in wanted):
            found[record["deviceSN"]] = record
    return found


def serials_named_in(message, serials):
    """The serials of a rejected chunk that an error message names (FortiZTP names the first bad one)."""
    text = str(message or "")
    return [serial for serial in serials if serial in text]


def wait_provisioned(client, serials, timeout, interval, records=None, on_poll=None, clock=None, pause=None):
    """Poll FortiZTP until none of ``serials`` is still being provisioned; returns serial -> record.

    The one provisioning wait of the collection (the fortiztp_device module, the site's FortiZTP
    step). One listing of the serials still pending per poll; ``records`` just read count as the
    first poll, so a wait on settled devices makes no call. ``on_poll(counts, total)`` runs after
    each poll with ``{DONE, PENDING, INCOMPLETE}`` counts; a wait still pending after ``timeout``
    seconds raises polling.WaitTimeout (its ``last``: the records): the caller decides what that becomes.
    """
    records = dict((s, (records or {}).get(s)) for s in serials)
    polls = []

    def pending():
        return [s for s in serials if progress(records[s]) == PENDING]

    def fetch():
        if polls or any(records[s] is None for s in serials):
            records.update(index_by_serial(client.list_devices(serials=serial_filter(pending())), pending()))
        polls.append(True)
        return records

    def report(current, elapsed):
        if on_poll:
            counts = dict.fromkeys((DONE, PENDING, INCOMPLETE), 0)
            for serial in serials:
                counts[progress(current[serial])] += 1
            on_poll(counts, len(serials))

    return poll(fetch, lambda current: not pending(), timeout, interval, on_poll=report, clock=clock, pause=pause,
                describe=lambda current: "FortiZTP still provisioning %s" % ", ".join(pending()))
