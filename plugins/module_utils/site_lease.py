# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site lease: one run at a time writes a site, among the runs that share a lock folder.

The Breakwater ZTP API has no lock, so the runs of one controller (or of several controllers that
share the folder, for example an NFS mount) agree through a file: ``<lock dir>/<site>--<manifest>.lease``,
created atomically (a hard link of a complete file: it fails when the lease exists), holding the
holder's run id, pid, host, start time, playbook and a bound after which it is stale. Released, it
becomes ``<...>.released``, which also tells a run that planned before another run finished.

The rules (format, staleness, wording) are plain functions; the file operations take the paths.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import tempfile
import uuid

from ansible_collections.breakwater.ztp.plugins.module_utils.files import ensure_directory, locked, safe_file_name
from ansible_collections.breakwater.ztp.plugins.module_utils.inputs import InputError

OPTION = "rollout_lock_dir"  # the variable named when the folder cannot be used
LEASE_FIELDS = ("token", "run", "pid", "host", "since", "expires", "playbook", "site_id", "manifest")
# Beyond the run's own waits, for its calls and reports.
MARGIN_SECONDS = 900


def lease_path(lock_dir, site_id, manifest_name):
    """The lease file of a site's manifest (two names that read the same share one lease: harmless)."""
    return os.path.join(lock_dir, "%s--%s.lease" % (safe_file_name(site_id), safe_file_name(manifest_name)))


def released_path(path):
    return path[:-len(".lease")] + ".released" if path.endswith(".lease") else path + ".released"


def lease_bound(site, wave_count):
    """Seconds after which a lease is stale: the run's own waits (each wave's configs, FortiZTP and
    deployment timeouts and pause) plus a margin. A run still going after that has failed its waits."""
    per_wave = (site["configs_wait_timeout"] + site["fortiztp_provision_wait_timeout"] + site["rollout_wait_timeout"]
                + site["rollout_wave_pause"])
    return per_wave * max(1, wave_count) + MARGIN_SECONDS


def new_lease(site, run, pid, host, playbook, now, bound):
    """The lease a run writes: who holds the site, since when, until when at most."""
    return {"token": uuid.uuid4().hex, "run": run, "pid": pid, "host": host, "since": int(now),
            "expires": int(now + bound), "playbook": playbook, "site_id": site["ztp_site_id"],
            "manifest": site["ztp_manifest_name"]}


def parse_lease(text):
    """The lease in ``text``, or None when it is not one (an unreadable file is held by nobody known)."""
    try:
        lease = json.loads(text)
    except ValueError:
        return None
    if not isinstance(lease, dict) or not lease.get("token"):
        return None
    return dict((name, lease.get(name)) for name in LEASE_FIELDS)


def stale_reason(lease, now, host, pid_alive):
    """Why ``lease`` no longer holds the site, or None while it does: its process is gone (same host
    only: another host's pids cannot be checked) or its bound has passed."""
    if lease.get("host") == host and lease.get("pid") and not pid_alive(lease["pid"]):
        return "its process %s on %s has ended" % (lease["pid"], host)
    if lease.get("expires") is not None and now >= lease["expires"]:
        return "it expired at %s" % utc(lease["expires"])
    return None


def utc(seconds):
    return datetime.datetime.fromtimestamp(int(seconds), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def holder_text(lease):
    """``site X (manifest M) is being rolled out by run R (pid N on host H, since T, playbook P)``."""
    return "site %s (manifest %s) is being rolled out by run %s (pid %s on host %s, since %s, playbook %s)" % (
        lease.get("site_id"), lease.get("manifest"), lease.get("run"), lease.get("pid"), lease.get("host"),
        utc(lease["since"]) if lease.get("since") is not None else "?", lease.get("playbook"))


def pid_alive(pid):
    """Whether process ``pid`` exists on this host."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError, OverflowError):
        return True  # exists under another user, or not a pid we can judge: not ours to call gone
    return True


# --- the files -----------------------------------------------------------------------------------
def read_lease(path):
    """The lease at ``path`` (a dict), None when there is none; a file that is not a lease reads
    as a lease of nobody known, stale MARGIN_SECONDS after it was written."""
    try:
        with open(path) as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(OPTION, path, "cannot be read: %s" % (exc.strerror or exc))
    lease = parse_lease(text)
    if lease is None:  # not written by a run (those link complete files): freed by its age
        lease = {"token": "unreadable:%s" % text[:40], "run": "unknown", "expires": _mtime(path) + MARGIN_SECONDS}
    return lease


def _mtime(path):
    try:
        return int(os.stat(path).st_mtime)
    except OSError:
        return 0


def released_token(path):
    """The token of the last lease released at ``path`` (changes with every release), or None."""
    lease = read_lease(released_path(path))
    return lease and lease["token"]


def acquire(path, lease):
    """Create the lease file holding ``lease``, atomically; returns None when taken, else the lease
    that holds the site."""
    folder = os.path.dirname(path) or "."
    ensure_directory(OPTION, folder)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lease.")
        with os.fdopen(fd, "w") as handle:
            json.dump(lease, handle)
            handle.flush()
            os.fsync(handle.fileno())
        while True:
            try:
                os.link(tmp, path)  # atomic, also over NFS: fails when the lease exists
                return None
            except OSError as exc:
                if exc.errno != errno.EEXIST:
                    raise
            holder = read_lease(path)
            if holder is not None:
                return holder
            # Released between the link and the read: try again.
    except OSError as exc:
        raise InputError(OPTION, path, "cannot be created: %s" % (exc.strerror or exc))
    finally:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)


def take_over(path, stale, lease):
    """Replace the stale lease ``stale`` with ``lease``; None when taken, else the lease that holds
    the site now. Takers of a stale lease take turns (a lock beside it); a run that creates the
    lease meanwhile wins, as with :func:`acquire`."""
    with locked(path + ".takeover", OPTION):
        current = read_lease(path)
        if current is not None and current["token"] != stale["token"]:
            return current
        if current is not None:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise InputError(OPTION, path, "cannot be removed: %s" % (exc.strerror or exc))
        return acquire(path, lease)


def release(path, token):
    """Release the lease at ``path`` if ``token`` holds it (it becomes the ``.released`` file);
    True when released, False when another run holds it (taken over as stale)."""
    current = read_lease(path)
    if current is None or current["token"] != token:
        return False
    try:
        os.replace(path, released_path(path))
    except OSError as exc:
        raise InputError(OPTION, path, "cannot be released: %s" % (exc.strerror or exc))
    return True
