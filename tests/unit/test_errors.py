"""The exception tree (tasks/errors.py): every pipeline error is an MsspError, found by type."""

from __future__ import annotations

import pytest

from tasks import errors
from tasks.catalog import StampError, stamp_date
from tasks.dbt.runner import DbtBuildFailed, DbtBuildResult


def test_every_class_in_the_tree_derives_from_mssp_error_and_is_drawn_in_the_docstring() -> None:
    classes = [v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, Exception)]
    assert {c.__name__ for c in classes} >= {"ConfigError", "LockError", "LoadError", "StampError",
                                             "DbtBuildFailed", "DatahubAuthError", "DatahubTransientError"}
    for cls in classes:
        assert issubclass(cls, errors.MsspError), cls
        assert cls.__name__ in (errors.__doc__ or ""), f"{cls.__name__} missing from the drawn tree"


def test_stamp_errors_are_pipeline_errors_and_still_value_errors() -> None:
    assert StampError is errors.StampError
    with pytest.raises(errors.MsspError, match="malformed date stamp"):
        stamp_date("P.A1234.ACO.ZC1Y24.DXX0101.T1")
    with pytest.raises(ValueError):
        stamp_date("P.A1234.ACO.ZC1Y24.D241301.T1")


def test_a_failed_dbt_build_raises_the_tree_s_class_with_its_context() -> None:
    assert DbtBuildFailed is errors.DbtBuildFailed
    result = DbtBuildResult(project="cclf", success=False, failed_nodes=("model.cclf.eligibility",))
    with pytest.raises(errors.MsspError) as caught:
        result.raise_for_failure()
    assert isinstance(caught.value, errors.DbtBuildFailed)
    assert caught.value.project == "cclf" and caught.value.failed_nodes == ("model.cclf.eligibility",)


def test_load_error_carries_the_file_and_reason() -> None:
    exc = errors.LoadError("store/P.A1234.ACO.ZC1Y24.D240101.T1", "record count check failed: 1 != 2")
    assert (exc.file_path, exc.reason) == ("store/P.A1234.ACO.ZC1Y24.D240101.T1", "record count check failed: 1 != 2")
    assert str(exc).startswith("store/P.A1234.ACO.ZC1Y24.D240101.T1: ")
