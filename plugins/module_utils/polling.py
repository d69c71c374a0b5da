# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wait loop of the collection, and the one rule for its options.

Every wait (config generation, FortiZTP provisioning, deployment) is ``poll(fetch, done, ...)``:
fetch the state, stop when it is done, report progress after each fetch, sleep, and give up
with :class:`WaitTimeout` once ``timeout`` seconds have passed. The clock and the sleep are
arguments, so the unit tests run it without waiting.
"""

from __future__ import annotations

import time

from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError

# The only references to the real clock and sleep in plugins/: everything else takes them as arguments.
monotonic = time.monotonic
sleep = time.sleep


class WaitTimeout(Exception):
    """The wait ran out; ``last`` is what the last poll fetched."""

    def __init__(self, message, last=None):
        super(WaitTimeout, self).__init__(message)
        self.last = last


def check_wait_options(timeout, interval, timeout_option="wait_timeout", interval_option="poll_interval"):
    """One rule for every wait: a timeout of 0 or more (0 polls once), an interval of at least 1 second."""
    if timeout is None or timeout < 0:
        raise InputError(timeout_option, timeout, "must be 0 or more seconds (0: look once, do not wait)")
    if interval is None or interval < 1:
        raise InputError(interval_option, interval, "must be at least 1 second")


def poll(fetch, done, timeout, interval, on_poll=None, describe=None, clock=None, pause=None):
    """Call ``fetch()`` until ``done(value)``; returns that value.

    ``on_poll(value, elapsed_seconds)`` runs after every fetch (progress lines). The last poll
    happens at the deadline (no sleep runs past it); if that one is not done either, raises
    WaitTimeout with ``describe(value)`` (or a plain message) and the last value.
    """
    clock = clock or monotonic
    pause = pause or sleep
    started = clock()
    deadline = started + timeout
    while True:
        value = fetch()
        if on_poll is not None:
            on_poll(value, clock() - started)
        if done(value):
            return value
        now = clock()
        if now >= deadline:
            reason = describe(value) if describe else "not done"
            raise WaitTimeout("still waiting after %s seconds: %s" % (timeout, reason), last=value)
        pause(min(interval, deadline - now))
