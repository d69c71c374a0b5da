"""Counters and injected faults (reset with the rest of the lab state)."""
from __future__ import annotations

import itertools
import random
from fnmatch import fnmatchcase


def new_counters() -> dict:
    return {"total": 0, "writes": 0, "by_method": {}, "by_route": {}, "by_status": {},
            "logins": 0, "refreshes": 0, "revokes": 0, "unauthorized": 0, "rate_limited": 0}


class Faults:
    """Injected faults, matched by fnmatch glob on the path and by method."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.items: dict[str, dict] = {}
        self.ids = itertools.count(1)
        self.random = random.Random(0)  # seeded: a given rate misbehaves the same way

    def add(self, spec: dict) -> dict:
        fault = {"id": f"fault_{next(self.ids)}", **spec, "hits": 0}
        self.items[fault["id"]] = fault
        return fault

    def pick(self, method: str, path: str) -> dict | None:
        for fault in self.items.values():
            if fault["count"] is not None and fault["hits"] >= fault["count"]:
                continue
            if fault["method"] not in ("*", method) or not fnmatchcase(path, fault["path"]):
                continue
            if fault["rate"] < 1 and self.random.random() >= fault["rate"]:
                continue
            fault["hits"] += 1
            return fault
        return None
