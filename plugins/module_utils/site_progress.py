# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress line every wait of a site prints per poll."""

from __future__ import annotations


def status_counts(items, key="status"):
    counts = {}
    for item in items:
        counts[item.get(key)] = counts.get(item.get(key), 0) + 1
    return counts


def progress_line(what, counts, total, done_key):
    """``deployment: online 640/1000, deploying 360, failed 0``: the one line printed per poll."""
    others = ", ".join("%s %d" % (k, v) for k, v in sorted(counts.items(), key=lambda kv: str(kv[0])) if k != done_key)
    return "%s: %s %d/%d%s" % (what, done_key, counts.get(done_key, 0), total, ", " + others if others else "")
