"""Peak memory of a process tree over time, read from /proc (Linux; no psutil in the venv).

    with TreeMemory(lambda: children_of(os.getpid(), leave_out={lab_pid})) as memory:
        ...run ansible-playbook...
    memory.peak  # {"rss": bytes, "pss": bytes, "processes": n, "at": seconds after start}

Ansible forks a worker per task and host: the tree grows and shrinks, and each process's own
peak (ru_maxrss of the children) says nothing of how many ran at once. So a thread samples the
whole tree and keeps the sample whose total is the highest:
- rss: the sum of the processes' resident sets (/proc/PID/statm), every `interval` seconds. Forked
  workers share their parent's pages (copy on write), so this counts shared pages once per process:
  an upper bound.
- pss: the sum of proportional set sizes (/proc/PID/smaps_rollup: a shared page is divided among
  the processes sharing it): what the tree holds of the machine's memory. The kernel walks every
  page table to answer, which for 20 forks of a large controller took ~0.25 CPU-seconds a sample:
  sampled every 0.25 s it took a third of a core from the run it measured. So PSS is read every
  `pss_interval` seconds, and at once (at most every `interval` * 2) when the RSS sum reaches a new
  high, where the PSS peak is likely.
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


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def rss_of(pid) -> int:
    """Resident set in bytes of one process (cheap: no page walk); 0 when it ended meanwhile."""
    try:
        with open("/proc/%d/statm" % pid) as handle:
            return int(handle.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def pss_of(pid) -> int:
    """Proportional set size in bytes of one process; 0 when it ended meanwhile."""
    try:
        with open("/proc/%d/smaps_rollup" % pid) as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeMemory:
    """Samples the total memory of ``pids()`` (a callable: the set changes) in a thread."""

    def __init__(self, pids, interval=0.25, pss_interval=2.0):
        self.pids, self.interval, self.pss_interval = pids, interval, pss_interval
        self.peak = {"rss": 0, "pss": 0, "processes": 0, "at": 0.0}
        self.samples = self.pss_samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        started = last_pss = time.monotonic()
        while not self._stop.is_set():
            pids = self.pids()
            rss = sum(rss_of(pid) for pid in pids)
            self.samples += 1
            now = time.monotonic()
            since_pss = now - last_pss
            if since_pss >= self.pss_interval or (rss > self.peak["rss"] and since_pss >= 2 * self.interval):
                pss = sum(pss_of(pid) for pid in pids)
                self.pss_samples += 1
                last_pss = now
                if pss >= self.peak["pss"]:
                    self.peak.update(pss=pss, processes=len(pids), at=round(now - started, 1))
            self.peak["rss"] = max(self.peak["rss"], rss)  # each measure's own peak (they need not come at once)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_exc):
        self._stop.set()
        self._thread.join()
