"""The bad-input matrix (issue 13): every bad input is a clear error, and nothing is written.

Each case is one task of one generated playbook (``ignore_errors``), so the whole module matrix
costs one ansible-playbook run. For every case the task must fail with a message naming the
option (or the API's code) and the value, without a traceback or "MODULE FAILURE"; at the end
the lab must have counted no write at all. The inventory plugins' cases run ansible-inventory, all
their sources in one run.
"""
from __future__ import annotations

import hashlib
import json
import os
import re

import pytest
import yaml

from tests.helpers.ansible import ansible_inventory, run_playbook
from tests.helpers.shared import once_per_session

BREAKWATER_MODULES = {
    "manifest": {"id": "manifest_123", "description": "must not be written"},
    "manifest_info": {"id": "manifest_123"},
    "serial": {"device_id": "device_002", "serial_number": "FDO2401A001"},
    "config": {"manifest": "manifest_123"},
    "config_info": {"device_id": "device_002"},
    "cable_schedule": {"manifest": "manifest_123", "dest": "{{ work_dir }}/cs.pdf"},
    "device_info": {},
    "event_info": {},
    "template_info": {},
    "status_info": {},
}
FORTIZTP_MODULES = {
    "fortiztp_device": {"serial": "FGT60FTK20000001", "state": "unprovisioned"},
    "fortiztp_device_info": {},
    "fortiztp_firmware_profile_info": {"serial": "FGT60FTK20000001", "region": "global"},
    "fortiztp_fortimanager": {"sn": ["FMG-VM0000000001"], "ip": ["10.0.0.99"]},
    "fortiztp_fortimanager_info": {},
    "fortiztp_script": {"name": "must-not-exist", "content": "config system global\nend\n"},
    "fortiztp_script_info": {},
    "fortiztp_system_info": {},
    "fortiztp_token": {},
}
# (option, bad value)
BREAKWATER_TRANSPORT = [
    ("url", "ftp://127.0.0.1/ztp"),
    ("url", "127.0.0.1:8000"),
    ("timeout", -1),
    ("ca_path", "/nonexistent/bwz-ca.pem"),
    ("retries", -1),
]
FORTIZTP_TRANSPORT = [
    ("base_url", "file:///etc/passwd"),
    ("auth_url", "ftp://127.0.0.1/api/v1"),
    ("retries", -2),
    ("token_cache_dir", "{{ work_dir }}/a-file"),
    ("timeout", -5),
]


def case(name, module, args, names, value):
    """One bad input: the task, and what its message must name (option or code) and show (value)."""
    return {"name": name, "module": module, "args": args, "names": names, "value": str(value)}


def transport_cases():
    """Two of the transport options per module, in turn, so each option is tried on several modules
    (the check is one shared layer; trying all on every module only costs time)."""
    cases = []
    for modules, options in ((BREAKWATER_MODULES, BREAKWATER_TRANSPORT), (FORTIZTP_MODULES, FORTIZTP_TRANSPORT)):
        for index, (module, base) in enumerate(modules.items()):
            for option, value in (options[index % len(options)], options[(index + 1) % len(options)]):
                shown = value.replace("{{ work_dir }}/", "") if isinstance(value, str) else value
                cases.append(case("%s %s=%s" % (module, option, shown), module, dict(base, **{option: value}),
                                  option, shown))
    return cases


MODULE_CASES = [
    # Ids that would change the URL if they were not encoded (issue 13: ?x=1 changed manifest_123).
    case("manifest id with a query", "manifest", {"id": "manifest_123?x=1", "description": "x"},
         "MANIFEST_NOT_FOUND", "manifest_123?x=1"),
    case("manifest id with a fragment", "manifest", {"id": "manifest_123#frag", "description": "x"},
         "MANIFEST_NOT_FOUND", "manifest_123#frag"),
    # Issue 18: an id holding "/", "..", white space or a control character is refused before any call,
    # naming the option (inputs.check_ids), instead of coming back as a bare 404.
    case("manifest id climbing up", "manifest", {"id": "../status", "description": "x"}, "id", "../status"),
    case("manifest id with a slash", "manifest", {"id": "manifest_123/../manifest_unsafe", "description": "x"},
         "id", "manifest_123/../manifest_unsafe"),
    case("manifest id reaching a device", "manifest", {"id": "../devices/device_002", "description": "x"}, "id",
         "../devices/device_002"),
    case("manifest_info id with white space", "manifest_info", {"id": "manifest 123"}, "id", "manifest 123"),
    case("config manifest_id with a slash", "config", {"manifest_id": "manifest_123/x"}, "manifest_id",
         "manifest_123/x"),
    case("config manifest (the alias) with dots", "config", {"manifest": "..", "force": True}, "manifest", ".."),
    case("config device id with a control character", "config",
         {"manifest_id": "manifest_123", "device_ids": ["device_002\x07"]}, "device_ids[0]", "device_002\\x07"),
    case("serial device id with white space", "serial", {"device_id": "device 002", "serial_number": "FDO2401A001"},
         "device_id", "device 002"),
    case("serial item device id with a slash", "serial",
         {"manifest_id": "manifest_123", "serials": [{"device_id": "../device_002", "serial_number": "FDO2401A001"}]},
         "serials[0].device_id", "../device_002"),
    case("cable_schedule manifest_id with a tab", "cable_schedule",
         {"manifest_id": "manifest_123\t", "dest": "{{ work_dir }}/cs.pdf"}, "manifest_id", "manifest_123\\t"),
    case("config_info device id climbing up", "config_info", {"device_id": ".."}, "device_id", ".."),
    case("device_info manifest_id with white space", "device_info", {"manifest_id": "manifest 123"}, "manifest_id",
         "manifest 123"),
    case("event_info device id with a slash", "event_info", {"device_id": "device_002/config"}, "device_id",
         "device_002/config"),
    case("fortiztp_device serial with a slash", "fortiztp_device", {"serial": "FGT60FTK20000001/x", "state": "unprovisioned"},
         "serial", "FGT60FTK20000001/x"),
    case("fortiztp_firmware_profile_info serial with dots", "fortiztp_firmware_profile_info",
         {"serial": "..", "region": "global"}, "serial", ".."),
    case("fortiztp_firmware_profile_info unknown region", "fortiztp_firmware_profile_info",
         {"serial": "FGT60FTK20000001", "region": "mars"}, "region", "mars"),
    case("manifest unknown id", "manifest", {"id": "manifest_999", "description": "x"}, "MANIFEST_NOT_FOUND",
         "manifest_999"),
    case("manifest unknown id in check mode", "manifest", {"id": "manifest_998", "name": "New"}, "MANIFEST_NOT_FOUND",
         "manifest_998"),
    case("manifest wait without deploying", "manifest", {"id": "manifest_123", "wait": True}, "wait", True),
    case("manifest name without site_id", "manifest", {"name": "Floor Z"}, "site_id", None),
    case("manifest poll_interval 0", "manifest", {"id": "manifest_123", "poll_interval": 0}, "poll_interval", 0),
    case("manifest unknown status", "manifest", {"id": "manifest_123", "status": "live"}, "status", "live"),
    case("manifest_info id with a query", "manifest_info", {"id": "manifest_123?x=1"}, "MANIFEST_NOT_FOUND",
         "manifest_123?x=1"),
    case("manifest_info id with a fragment", "manifest_info", {"id": "manifest_123#frag"}, "MANIFEST_NOT_FOUND",
         "manifest_123#frag"),
    case("config manifest with a fragment", "config", {"manifest": "manifest_123#frag"}, "MANIFEST_NOT_FOUND",
         "manifest_123#frag"),
    case("config dest under a file", "config", {"manifest": "manifest_123", "dest": "{{ work_dir }}/a-file/configs"},
         "dest", "a-file/configs"),
    case("config dest under /proc", "config", {"manifest": "manifest_123", "dest": "/proc/bwz-configs"}, "dest",
         "/proc/bwz-configs"),
    case("config dest is a file", "config", {"manifest": "manifest_123", "dest": "{{ work_dir }}/a-file"}, "dest",
         "a-file"),
    case("config unknown device id", "config", {"manifest": "manifest_123", "device_ids": ["device_999"]},
         "device_ids", "device_999"),
    case("config unknown hostname", "config", {"manifest": "manifest_123", "hostnames": ["sw-nowhere"]},
         "hostnames", "sw-nowhere"),
    case("config max_workers 0", "config", {"manifest": "manifest_123", "max_workers": 0}, "max_workers", 0),
    # The one rule for every wait: 0 looks once (accepted), a negative timeout is refused.
    case("config wait_timeout -1", "config", {"manifest": "manifest_123", "wait_timeout": -1}, "wait_timeout", -1),
    case("config unknown format", "config", {"manifest": "manifest_123", "format": "xml"}, "format", "xml"),
    case("cable_schedule dest under a file", "cable_schedule",
         {"manifest": "manifest_123", "dest": "{{ work_dir }}/a-file/cs.pdf"}, "dest", "a-file/cs.pdf"),
    case("cable_schedule dest under /proc", "cable_schedule", {"manifest": "manifest_123", "dest": "/proc/cs.pdf"},
         "dest", "/proc/cs.pdf"),
    case("cable_schedule dest in a missing folder", "cable_schedule",
         {"manifest": "manifest_123", "dest": "/nonexistent-bwz/cs.pdf"}, "dest", "/nonexistent-bwz/cs.pdf"),
    case("cable_schedule manifest with a query", "cable_schedule",
         {"manifest": "manifest_123?x=1", "dest": "{{ work_dir }}/cs.pdf"}, "MANIFEST_NOT_FOUND", "manifest_123?x=1"),
    case("serial not A-Z 0-9", "serial", {"device_id": "device_002", "serial_number": "FDO-2401"}, "serial_number",
         "FDO-2401"),
    case("serial unknown device", "serial", {"device_id": "device_999", "serial_number": "FDO2401A001"}, "device_id",
         "device_999"),
    case("serial device id with a query", "serial", {"device_id": "device_002?x=1", "serial_number": "FDO2401A001"},
         "device_id", "device_002?x=1"),
    case("serial batch_size 0", "serial",
         {"manifest": "manifest_123", "batch_size": 0, "serials": [{"hostname": "sw-prod-01", "serial_number": "FDO2401A001"}]},
         "batch_size", 0),
    case("serial missing csv", "serial", {"manifest": "manifest_123", "csv": "/nonexistent/serials.csv"}, "csv",
         "/nonexistent/serials.csv"),
    case("serial unknown hostname", "serial",
         {"manifest": "manifest_123", "serials": [{"hostname": "sw-nowhere", "serial_number": "FDO2401A001"}]},
         "hostname", "sw-nowhere"),
    case("serial taken by another device", "serial", {"device_id": "device_002", "serial_number": "FDO2301B002"},
         "SERIAL_ALREADY_REGISTERED", "FDO2301B002"),
    case("config_info device id with a query", "config_info", {"device_id": "device_002?format=json"},
         "DEVICE_NOT_FOUND", "device_002?format=json"),
    case("event_info start_date not ISO", "event_info", {"start_date": "yesterday"}, "start_date", "yesterday"),
    case("device_info unknown status", "device_info", {"status": "broken"}, "status", "broken"),
    case("fortimanager ip out of range", "fortiztp_fortimanager", {"sn": ["FMG-VM0000000001"], "ip": ["999.1.1.1"]},
         "ip", "999.1.1.1"),
    case("fortimanager ip not a host name", "fortiztp_fortimanager", {"sn": ["FMG-VM0000000001"], "ip": ["fmg_01!"]},
         "ip", "fmg_01!"),
    case("fortimanager two addresses for three serials", "fortiztp_fortimanager",
         {"sn": ["FMG-VM0000000005", "FMG-VM0000000006", "FMG-VM0000000007"], "ip": ["10.0.2.1", "10.0.2.2"]},
         "ip", "10.0.2.2"),
    case("fortimanager one serial of an HA pair", "fortiztp_fortimanager",
         {"sn": ["FMG-VM0000000002"], "ip": ["10.0.1.10"]}, "sn", "FMG-VM0000000002"),
    case("fortiztp_device chunk_size 0", "fortiztp_device",
         {"serial": "FGT60FTK20000001", "state": "unprovisioned", "chunk_size": 0}, "chunk_size", 0),
    case("fortiztp_device poll_interval 0", "fortiztp_device",
         {"serial": "FGT60FTK20000001", "state": "unprovisioned", "poll_interval": 0}, "poll_interval", 0),
    case("fortiztp_device unknown state", "fortiztp_device", {"serial": "FGT60FTK20000001", "state": "gone"},
         "state", "gone"),
    case("fortiztp_device_info unknown provision_status", "fortiztp_device_info", {"provision_status": "done"},
         "provision_status", "done"),
    case("fortiztp_token loose cache folder", "fortiztp_token", {"token_cache_dir": "{{ work_dir }}/loose"},
         "token_cache_dir", "loose"),
    case("fortiztp_system_info symlinked cache file", "fortiztp_system_info",
         {"token_cache_dir": "{{ work_dir }}/planted"}, "token_cache_dir", "planted"),
]


def playbook(cases):
    tasks = []
    for item in cases:
        tasks.append({"name": item["name"], "breakwater.ztp.%s" % item["module"]: item["args"],
                      "ignore_errors": True})
    return [{
        "name": "Bad inputs",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {
            "group/breakwater.ztp.breakwater": {"url": "{{ breakwater_url }}", "api_token": "{{ breakwater_api_token }}"},
            "group/breakwater.ztp.fortiztp": {"api_id": "{{ fortiztp_api_id }}", "password": "{{ fortiztp_password }}",
                                              "base_url": "{{ fortiztp_base_url }}", "auth_url": "{{ fortiztp_auth_url }}"},
        },
        "tasks": tasks,
    }]


def cache_file_name(lab):
    """The token cache's file name for the lab's API user (as token_cache.TokenCache names it)."""
    key = "\0".join((lab.api_id, lab.auth_url.rstrip("/"), "fortiztp"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".json"


def prepare(lab, work):
    """The files and lab state the cases need; done before the write counter is zeroed."""
    (work / "a-file").write_text("not a folder\n")
    loose = work / "loose"
    loose.mkdir()
    os.chmod(str(loose), 0o777)
    planted = work / "planted"
    planted.mkdir(mode=0o700)
    victim = work / "victim.txt"
    victim.write_text("keep me\n")
    os.symlink(str(victim), str(planted / cache_file_name(lab)))
    ha_pair = {"sn": "FMG-VM0000000002,FMG-VM0000000003", "ip": "10.0.1.10,10.0.1.11"}
    answer = lab.fz("POST", "/setting/fortimanagers", json=ha_pair)
    assert answer.status_code == 200, answer.text
    lab.reset_counters()
    return victim


def assert_clear_failure(item, record):
    result = record["result"]
    text = json.dumps(result)
    assert record["status"] == "ignored", "%s: did not fail: %s" % (item["name"], text[:500])
    msg = str(result.get("msg", ""))
    assert item["names"] in msg, "%s: %r does not name %s" % (item["name"], msg, item["names"])
    if item["value"] != "None":
        assert item["value"] in msg, "%s: %r does not show the value %s" % (item["name"], msg, item["value"])
    for bad in ("Traceback", "MODULE FAILURE", "Module failed", "module_stderr"):
        assert bad not in text, "%s: %s in %s" % (item["name"], bad, text[:800])


@pytest.mark.slow
def test_bad_input_matrix_modules(lab, tmp_path):
    cases = transport_cases() + MODULE_CASES
    assert len(cases) >= 80
    victim = prepare(lab, tmp_path)
    before = lab.state()["manifests"]
    book = tmp_path / "bad_input.yml"
    book.write_text(yaml.safe_dump(playbook(cases), sort_keys=False))
    run = run_playbook(lab, book, extra_vars={"work_dir": str(tmp_path)})
    assert run.rc == 0, run.output[-3000:]
    by_name = dict((r["task"], r) for r in run.records)
    for item in cases:
        assert item["name"] in by_name, "%s did not run: %s" % (item["name"], run.output[-2000:])
        assert_clear_failure(item, by_name[item["name"]])
    counters = lab.counters()
    assert counters["writes"] == 0, counters["by_route"]
    assert lab.state()["manifests"] == before
    assert victim.read_text() == "keep me\n"
    assert not os.path.exists(str(tmp_path / "a-file" / "configs")) and not os.path.exists("/proc/bwz-configs")
    assert "Traceback" not in run.output


def test_unknown_manifest_id_fails_in_check_mode_too(lab, tmp_path):
    item = [c for c in MODULE_CASES if c["name"] == "manifest unknown id in check mode"][0]
    book = tmp_path / "check.yml"
    book.write_text(yaml.safe_dump(playbook([item]), sort_keys=False))
    run = run_playbook(lab, book, check=True)
    assert_clear_failure(item, run.records[0])
    assert lab.counters()["writes"] == 0


INVENTORY_CASES = [
    ("devices", {"url": "ftp://127.0.0.1/ztp"}, "url", "ftp://127.0.0.1/ztp"),
    ("devices", {"url": "lab.example.com"}, "url", "lab.example.com"),
    ("devices", {"timeout": -3}, "timeout", "-3"),
    ("devices", {"device_status": ["broken"]}, "device_status", "broken"),
    ("devices", {"ca_path": "/nonexistent/ca.pem"}, "ca_path", "/nonexistent/ca.pem"),
    ("fortiztp_devices", {"base_url": "file:///etc/passwd"}, "base_url", "file:///etc/passwd"),
    ("fortiztp_devices", {"auth_url": "gopher://127.0.0.1/"}, "auth_url", "gopher://127.0.0.1/"),
    ("fortiztp_devices", {"retries": -1}, "retries", "-1"),
    # Issue 18: it used to warn and name every host after its serial.
    ("fortiztp_devices", {"hostname_expression": "fortiztp_serial_number |"}, "hostname_expression",
     "fortiztp_serial_number |"),
]


def run_bad_inventory_sources(lab, folder):
    """Every case's source in one ansible-inventory run (one start-up instead of one per case).

    Ansible parses each -i source on its own and, for one no plugin could parse, prints the plugin's
    error and then "Unable to parse <source>": each case's part of stderr is the text up to that
    line of its own source. The run fails only when no source was parsed at all. Returns plain data,
    to be shared between workers.
    """
    sources = []
    for index, (plugin, options, _option, _value) in enumerate(INVENTORY_CASES):
        suffix = "breakwater_ztp.yml" if plugin == "devices" else "fortiztp.yml"
        source = folder / ("bad-%d.%s" % (index, suffix))
        source.write_text(yaml.safe_dump(dict({"plugin": "breakwater.ztp.%s" % plugin}, **options)))
        sources.append(source)
    lab.reset()
    lab.reset_counters()
    rc, _inventory, stderr = ansible_inventory(lab, folder, sources[0],
                                               args=[arg for source in sources[1:] for arg in ("-i", str(source))])
    parts, start = {}, 0
    for unparsed in re.finditer(r"Unable to parse (\S+) as an inventory source", stderr):
        parts[os.path.basename(unparsed.group(1))] = stderr[start:unparsed.end()]
        start = unparsed.end()
    return {"rc": rc, "stderr": stderr, "writes": lab.counters()["writes"],
            "cases": [parts.get(source.name) for source in sources]}


@pytest.fixture(scope="module")
def bad_inventory_run(lab_server, tmp_path_factory):
    return once_per_session(tmp_path_factory, "bad_inventory_sources",
                            lambda: run_bad_inventory_sources(lab_server, tmp_path_factory.mktemp("bad_inventory")))


@pytest.mark.parametrize("index, option, value", [(i, c[2], c[3]) for i, c in enumerate(INVENTORY_CASES)],
                         ids=["%s-%s" % (c[0], c[2]) for c in INVENTORY_CASES])
def test_bad_input_matrix_inventory(bad_inventory_run, index, option, value):
    assert bad_inventory_run["rc"] != 0
    stderr = bad_inventory_run["cases"][index]
    assert stderr is not None, "the source was parsed: %s" % bad_inventory_run["stderr"][-3000:]
    assert option in stderr and value in stderr, stderr
    assert "Traceback" not in bad_inventory_run["stderr"]
    assert bad_inventory_run["writes"] == 0
