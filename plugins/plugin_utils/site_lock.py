# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site lease of a run (module_utils.site_lease), from the plan step to the report.

Who the run is: its AWX job (``awx_job_id``), else the run id of breakwater.ztp.site_rollout, else
host and pid; its pid is the ansible-playbook process's (the plugins run in its forks), so a run
that was killed leaves a lease that the next run on that host sees as stale.
"""

from __future__ import annotations

import os
import socket
import time

from ansible import context

from ansible_collections.breakwater.ztp.plugins.module_utils import polling, site_lease
from ansible_collections.breakwater.ztp.plugins.module_utils.resource import TaskFailure


def run_identity(task_vars, site_host):
    """(run id, pid, host, playbook) of the ansible-playbook run the plugin works for."""
    host, pid = socket.gethostname(), os.getppid()
    job = task_vars.get("awx_job_id") or task_vars.get("tower_job_id")
    run = ("AWX job %s" % job) if job else (site_host or {}).get("run") or "%s-%s" % (host, pid)
    playbooks = list((context.CLIARGS or {}).get("args") or [])
    return run, pid, host, " ".join(playbooks) or task_vars.get("ansible_play_name") or "?"


class SiteLock(object):
    """The site's lease for this run: wait while another run holds it, take it, release it."""

    def __init__(self, site, task_vars, site_host, progress, warnings):
        self.site = site
        self.path = site_lease.lease_path(site["rollout_lock_dir"], site["ztp_site_id"], site["ztp_manifest_name"])
        self.run, self.pid, self.host, self.playbook = run_identity(task_vars, site_host)
        self.progress, self.warnings = progress, warnings
        self.deadline = polling.monotonic() + site["rollout_lock_wait"]
        self.token = None
        self.took_over = False

    def holder(self):
        """The lease of the run that holds the site now, or None (free, ours, or stale)."""
        lease = site_lease.read_lease(self.path)
        if lease is None or lease["token"] == self.token or self.stale(lease):
            return None
        return lease

    def stale(self, lease):
        return site_lease.stale_reason(lease, time.time(), self.host, site_lease.pid_alive)

    def remaining(self):
        return max(0, int(self.deadline - polling.monotonic()))

    def held(self, holder, waited=False):
        """The failure of a run that found the site held."""
        return TaskFailure("%s; %s (lease %s)" % (
            site_lease.holder_text(holder),
            "still after rollout_lock_wait=%s seconds" % self.site["rollout_lock_wait"] if waited
            else "set rollout_lock_wait to wait for it (seconds), or remove the lease if that run is gone",
            self.path), held_by=holder)

    def wait_free(self):
        """Return once no other run holds the site; True when it had to wait. Without time left
        (``rollout_lock_wait``), a held site fails the task naming the holder."""
        holder = self.holder()
        if holder is None:
            return False
        if not self.remaining():
            raise self.held(holder)
        self.progress("waiting for the site: %s" % site_lease.holder_text(holder))
        try:
            polling.poll(self.holder, lambda current: current is None, self.remaining(),
                         self.site["rollout_poll_interval"])
        except polling.WaitTimeout as exc:
            raise self.held(exc.last or holder, waited=True)
        return True

    def released(self):
        """Changes whenever a run releases the site (compared around a plan)."""
        return site_lease.released_token(self.path)

    def take(self, wave_count):
        """Take the lease; None when this run holds it now, else the lease of the run that does."""
        lease = site_lease.new_lease(self.site, self.run, self.pid, self.host, self.playbook, time.time(),
                                     site_lease.lease_bound(self.site, wave_count))
        holder = site_lease.acquire(self.path, lease)
        if holder is not None:
            reason = self.stale(holder)
            if not reason:
                return holder
            self.warnings.append("taking over a stale lease of the site (%s): %s" % (
                reason, site_lease.holder_text(holder)))
            holder = site_lease.take_over(self.path, holder, lease)
            if holder is not None:
                return holder
            self.took_over = True
        self.token = lease["token"]
        return None

    def record(self):
        """What the plan keeps of the lease, for the report that releases it."""
        return {"path": self.path, "token": self.token, "run": self.run} if self.token else None

    def release(self):
        if self.token:
            release(self.record(), self.warnings)
            self.token = None


def release(record, warnings):
    """Release the lease ``record`` (from the plan); a warning when another run took it over meanwhile."""
    if record and record.get("token") and not site_lease.release(record["path"], record["token"]):
        warnings.append("the site's lease %s was not this run's any more (another run took it over as stale, or "
                        "wrote its plan in the same rollout_report_dir)" % record["path"])
