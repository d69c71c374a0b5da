"""The roles' argument specs list exactly the variables the site plugins read (generated from one table)."""
from __future__ import annotations

import importlib.util
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load_generator():
    spec = importlib.util.spec_from_file_location("role_argument_specs", os.path.join(ROOT, "scripts", "role_argument_specs.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_role_argument_spec_is_generated_from_the_variable_table():
    generator = load_generator()
    for role in generator.ROLE_ENTRY_POINTS:
        path = os.path.join(ROOT, "roles", role, "meta", "argument_specs.yml")
        with open(path) as handle:
            assert handle.read() == generator.rendered(role), "%s: run python scripts/role_argument_specs.py" % path


def test_the_rollout_documents_every_connection_option_of_both_apis():
    generator = load_generator()
    options = generator.role_options("rollout")
    for name in ("breakwater_url", "breakwater_api_token", "breakwater_ca_path", "breakwater_timeout",
                 "breakwater_retries", "breakwater_validate_certs", "fortiztp_api_id", "fortiztp_password",
                 "fortiztp_access_token", "fortiztp_base_url", "fortiztp_auth_url", "fortiztp_ca_path",
                 "fortiztp_timeout", "fortiztp_retries", "fortiztp_validate_certs"):
        assert name in options, name
    assert options["breakwater_api_token"]["no_log"] is True
    assert options["fortiztp_password"]["no_log"] is True
