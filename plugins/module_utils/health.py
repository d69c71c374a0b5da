# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service health: whether Breakwater ZTP and FortiZTP say they are fit for a rollout.

Pure functions over the two status answers (no I/O), so the rollout's preflight can read
``GET /status`` (Breakwater) and ``GET /system`` (FortiZTP) once and decide here.

- Breakwater answers ``{"system_status": "operational", ...}``; ``operational`` is the only
  documented value. Anything else is read as an outage, except a status naming a degradation
  (``degraded``, ``degraded_performance``), which is only a warning.
- FortiZTP answers ``{"serviceStatus": "Operational"|"Degraded performance"|"Partial outage"|
  "Major outage", ...}``. Both outages stop a rollout (a partial one may be the provisioning
  part); "Degraded performance" is a warning; an unknown value is an outage, since nothing
  says it is safe.
- An answer that is missing (None: the service was not asked) says nothing; an answer
  without the status field is a problem, because the health cannot be told.
"""

from __future__ import annotations

BREAKWATER = "Breakwater ZTP"
FORTIZTP = "FortiZTP"
BREAKWATER_HEALTHY = ("operational",)
FORTIZTP_HEALTHY = ("operational",)


def _normal(status):
    return " ".join(str(status).replace("_", " ").replace("-", " ").split()).lower()


def _assess(service, field, answer, healthy):
    """(problem, warning) of one service's answer; either may be None."""
    if answer is None:
        return None, None
    status = answer.get(field) if isinstance(answer, dict) else None
    if status is None or not str(status).strip():
        return ("%s did not report its status (no %s in its answer), so its health cannot be checked"
                % (service, field)), None
    normal = _normal(status)
    if normal in healthy:
        return None, None
    if "degraded" in normal:
        return None, "%s reports %s %r: the rollout may be slow" % (service, field, status)
    return "%s reports %s %r: the service has an outage, so nothing is written" % (service, field, status), None


def assess_services(breakwater_status=None, fortiztp_system=None):
    """(problems, warnings): lists of messages, each naming the service, the field and its status.

    ``breakwater_status`` is the answer of Breakwater's ``GET /status``, ``fortiztp_system``
    that of FortiZTP's ``GET /system``; either may be None (not asked).
    """
    problems, warnings = [], []
    for service, field, answer, healthy in (
            (BREAKWATER, "system_status", breakwater_status, BREAKWATER_HEALTHY),
            (FORTIZTP, "serviceStatus", fortiztp_system, FORTIZTP_HEALTHY)):
        problem, warning = _assess(service, field, answer, healthy)
        if problem:
            problems.append(problem)
        if warning:
            warnings.append(warning)
    return problems, warnings


def outage_problems(breakwater_status=None, fortiztp_system=None):
    """The outage problems only: an empty list means both services may be written to."""
    return assess_services(breakwater_status, fortiztp_system)[0]
