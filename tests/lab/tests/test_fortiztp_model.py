"""The lab's FortiZTP device model and the collection's list of device fields are the same.

The lab does not import the collection's list (it is the independent side of every test), so
this test is what keeps the two in step: a field added on one side only fails here.
"""
from ansible_collections.breakwater.ztp.plugins.module_utils.fortiztp_devices import DEVICE_FIELDS, TARGET_OPTIONS
from ztplab import models, state


def test_lab_model_has_the_collections_device_fields():
    assert list(models.FzDevice.model_fields) == list(DEVICE_FIELDS)


def test_lab_records_have_every_field():
    assert set(state.FZ_DEVICE_FIELDS) == set(DEVICE_FIELDS)


def test_target_fields_are_device_fields():
    assert set(TARGET_OPTIONS.values()) <= set(DEVICE_FIELDS)


def test_listed_devices_validate_against_the_model(lab):
    records = lab.fz("GET", "/devices").json()["data"]
    assert records
    for record in records:
        assert set(record) == set(DEVICE_FIELDS)
        models.FzDevice.model_validate(record)
