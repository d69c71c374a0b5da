"""Property-based run of schemathesis against the lab's own OpenAPI description: no 5xx and
no response that breaks the published schema (status codes, content types, bodies)."""
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks


from ztplab.__main__ import defaults_from
from ztplab.app import create_app

# The same description the server publishes, built in-process so tests can be collected
# before the lab runs; calls go to the running lab over HTTP.
schema = schemathesis.openapi.from_dict(create_app({**defaults_from(), "fixtures": "none"})[0]
                                        .openapi())
CHECKS = [checks.not_a_server_error, checks.status_code_conformance,
          checks.content_type_conformance, checks.response_schema_conformance]


@pytest.fixture
def fuzz_lab(lab):
    lab.settings(rate_limit_per_hour=1_000_000)
    lab.fz_login()
    return lab


@schema.parametrize()
@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_conforms(case, fuzz_lab):
    token = (fuzz_lab.breakwater_token if case.path.startswith("/api/v1/ztp")
             else fuzz_lab._fz_token)
    case.call_and_validate(base_url=fuzz_lab.url, checks=CHECKS,
                           headers={"Authorization": f"Bearer {token}"})
