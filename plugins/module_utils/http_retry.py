# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When a failed call is tried again, and after how long: the retry policy of the HTTP layer.

Pure rules, no HTTP: which methods and statuses may be repeated, backoff and Retry-After, and
the read-back rule for a POST that is not safe to repeat.
"""

from __future__ import annotations

import email.utils
import random
import time

from ansible_collections.breakwater.ztp.plugins.module_utils.api_error import ApiError

RETRYABLE_STATUSES = frozenset((429, 502, 503, 504))
# Methods that may be repeated after a 5xx or a dropped connection without changing the outcome.
IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))  # the methods that change nothing on the server
MAX_RETRY_AFTER = 60.0
MAX_BACKOFF = 30.0
BACKOFF_BASE = 0.5


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def backoff_delay(attempt, base=BACKOFF_BASE, cap=MAX_BACKOFF):
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return random.uniform(0, min(cap, base * (2 ** attempt)))


def may_have_been_processed(exc):
    """True for the failures after which a POST may or may not have taken effect: 5xx, no answer."""
    if exc.status is None:
        return exc.code in ("CONNECTION_ERROR", "TIMEOUT")
    return exc.status in (500, 502, 503, 504)


def post_with_read_back(items, send, still_to_do, retries, sleep):
    """The one rule for a POST that is not safe to repeat (a create, a bulk write).

    Returns (the items a read-back found done, the last answer; ``{}`` when a read-back found
    everything done). ``send(items)`` posts; after a failure the service may have processed
    (:func:`may_have_been_processed`), ``still_to_do(items)`` reads the state back and returns
    what has not taken effect: only that is sent again, up to ``retries`` times. ``items`` None
    means "all" to the endpoint. Any other failure is raised at once.
    """
    done = []
    attempt = 0
    while True:
        try:
            return done, send(items)
        except ApiError as exc:
            if not may_have_been_processed(exc) or attempt >= retries:
                raise
        sleep(backoff_delay(attempt))
        attempt += 1
        left = still_to_do(items)
        done += [i for i in (items or []) if i not in left]
        if not left:
            return done, {}
        items = left
