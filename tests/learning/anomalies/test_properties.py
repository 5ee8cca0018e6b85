"""Property tests: the parser never crashes on junk, the detector's scores stay in [0, 1] and
its verdicts never depend on later samples."""

from hypothesis import given, settings
from hypothesis import strategies as st

from dorgu.errors import InputError
from dorgu.learning.anomalies.detecting import detect
from dorgu.learning.anomalies.series import parse_series

values = st.one_of(
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    st.floats(allow_nan=False, allow_infinity=False),
)


@given(st.text(max_size=300))
def test_parser_raises_only_input_errors(body: str):
    message = "junk.csv:"
    try:
        parse_series("timestamp,value\n" + body, source="junk.csv")
    except InputError as e:
        message = str(e)
    assert message.startswith("junk.csv:")


@settings(max_examples=50, deadline=None)
@given(st.lists(values, min_size=1, max_size=400), st.integers(min_value=1, max_value=400))
def test_scores_in_unit_interval_and_causal(series: list[float], cut: int):
    samples = [(i * 60.0, v) for i, v in enumerate(series)]
    full = list(detect(samples))
    assert all(0.0 <= v.score <= 1.0 for v in full)
    assert list(detect(samples[:cut])) == full[:cut]
