"""`sellersync:tracing`: which functions X-Ray traces (infra/tracing.py)."""

import pytest

from infra.tracing import TracingMode, is_active, tracing_mode


def test_absent_means_selective_and_each_value_names_its_mode() -> None:
    assert tracing_mode(None) is TracingMode.SELECTIVE
    assert [tracing_mode(v) for v in ("selective", "all", "off")] == [
        TracingMode.SELECTIVE,
        TracingMode.ALL,
        TracingMode.OFF,
    ]


@pytest.mark.parametrize("value", ["Active", "ALL", "", True, 1, "sampled"])
def test_any_other_value_fails_synthesis_naming_the_allowed_ones(value: object) -> None:
    with pytest.raises(ValueError, match=r"sellersync:tracing must be one of selective, all, off"):
        tracing_mode(value)


def test_selective_follows_the_spec_all_traces_everything_off_nothing() -> None:
    assert (is_active(TracingMode.SELECTIVE, True), is_active(TracingMode.SELECTIVE, False)) == (True, False)
    assert (is_active(TracingMode.ALL, True), is_active(TracingMode.ALL, False)) == (True, True)
    assert (is_active(TracingMode.OFF, True), is_active(TracingMode.OFF, False)) == (False, False)
