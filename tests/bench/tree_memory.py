"""Peak memory of a process tree over time, read from /proc (Linux; no psutil in the venv).

    with TreeMemory(lambda: children_of(os.getpid(), leave_out={lab_pid})) as memory:
        ...run ansible-playbook...
    memory.peak  # {"rss": bytes, "pss": bytes, "processes": n, "at": seconds after start}

Ansible forks a worker per task and host: the tree grows and shrinks, and each process's own
peak (ru_maxrss of the children) says nothing of how many ran at once. So a thread samples the
whole tree every `interval` seconds and keeps the sample whose total is the highest:
- rss: the sum of the processes' resident sets. Forked workers share their parent's pages
  (copy on write), so this counts shared pages once per process: an upper bound.
- pss: the sum of proportional set sizes (/proc/PID/smaps_rollup: a shared page is divided among
  the processes sharing it): what the tree holds of the machine's memory.
"""
from __future__ import annotations

import os
import threading
import time


def parents() -> dict:
    """pid -> parent pid of every process now."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as handle:
                    stat = handle.read()
            except OSError:
                continue  # ended meanwhile
            # The command name is in parentheses and may hold spaces: the fields follow the last ')'.
            found[int(name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    return found


def tree(roots, leave_out=()) -> set:
    """The roots and all their descendants, without the subtrees of ``leave_out``."""
    children = {}
    for pid, parent in parents().items():
        children.setdefault(parent, []).append(pid)
    found, todo = set(), [pid for pid in roots if pid not in leave_out]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo.extend(child for child in children.get(pid, ()) if child not in leave_out)
    return found


def children_of(pid, leave_out=()) -> set:
    """The descendants of ``pid`` (not itself), without the subtrees of ``leave_out``."""
    return tree([pid], leave_out) - {pid}


def memory_of(pid) -> tuple:
    """(rss, pss) in bytes of one process; (0, 0) when it ended meanwhile."""
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


class TreeMemory:
    """Samples the total memory of ``pids()`` (a callable: the set changes) in a thread."""

    def __init__(self, pids, interval=0.25):
        self.pids, self.interval = pids, interval
        self.peak = {"rss": 0, "pss": 0, "processes": 0, "at": 0.0}
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> dict:
        totals = [memory_of(pid) for pid in self.pids()]
        return {"rss": sum(r for r, _p in totals), "pss": sum(p for _r, p in totals), "processes": len(totals)}

    def _run(self):
        started = time.monotonic()
        while not self._stop.is_set():
            now = self.sample()
            self.samples += 1
            for key in ("rss", "pss"):  # each measure's own peak (they need not come at once)
                self.peak[key] = max(self.peak[key], now[key])
            if now["pss"] >= self.peak["pss"]:
                self.peak.update(processes=now["processes"], at=round(time.monotonic() - started, 1))
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
