# -*- coding: utf-8 -*-
# Copyright: (c) 2026, breakwater.ztp maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""health.assess_services / outage_problems: what stops a rollout, what only warns."""

from __future__ import annotations

import pytest

from ansible_collections.breakwater.ztp.plugins.module_utils.health import assess_services, outage_problems

BW_OK = {"system_status": "operational", "active_deployments": 0, "queue_depth": 0}
FZ_OK = {"serviceName": "FortiZTP", "serviceRegion": "global", "serviceStatus": "Operational"}


def test_both_operational_is_healthy():
    assert assess_services(BW_OK, FZ_OK) == ([], [])


def test_nothing_asked_says_nothing():
    assert assess_services(None, None) == ([], [])
    assert outage_problems(BW_OK, None) == []
    assert outage_problems(None, FZ_OK) == []


@pytest.mark.parametrize("status", ["Major outage", "Partial outage", "Under maintenance"])
def test_fortiztp_outage_names_the_service_and_its_status(status):
    problems = outage_problems(BW_OK, dict(FZ_OK, serviceStatus=status))
    assert len(problems) == 1
    assert "FortiZTP" in problems[0] and "serviceStatus" in problems[0] and repr(status) in problems[0]


@pytest.mark.parametrize("status", ["outage", "down", "maintenance", "major_outage"])
def test_breakwater_other_than_operational_is_an_outage(status):
    problems = outage_problems({"system_status": status}, FZ_OK)
    assert problems == ["Breakwater ZTP reports system_status %r: the service has an outage, so nothing is written"
                        % status]


@pytest.mark.parametrize("bw, fz", [({"system_status": "degraded"}, FZ_OK),
                                    (BW_OK, dict(FZ_OK, serviceStatus="Degraded performance"))])
def test_degraded_only_warns(bw, fz):
    problems, warnings = assess_services(bw, fz)
    assert problems == [] and len(warnings) == 1 and "degraded" in warnings[0].lower()


def test_status_is_compared_without_case_or_separator_differences():
    assert outage_problems({"system_status": "Operational"}, {"serviceStatus": "operational"}) == []


@pytest.mark.parametrize("answer", [{}, {"system_status": ""}, [], "operational"])
def test_an_answer_without_its_status_is_a_problem(answer):
    problems = outage_problems(answer, None)
    assert len(problems) == 1 and "Breakwater ZTP did not report its status" in problems[0]


def test_both_outages_are_listed():
    problems = outage_problems({"system_status": "outage"}, dict(FZ_OK, serviceStatus="Major outage"))
    assert [p.split(" reports")[0] for p in problems] == ["Breakwater ZTP", "FortiZTP"]
