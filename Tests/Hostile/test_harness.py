"""The harness has teeth: what it is meant to catch, it catches.

A V1 file whose slice stores no values for a [2^22] float tensor makes tfmeta fill
16 MiB (the fill rule's cap) and assemble 16 MiB more: fine under the suite's
limits, a failed case once the limits are lowered below it. This is how the
bugs this suite found showed up (a 1 GiB fill, a 2 GiB per-shard table).
"""
import pytest

import formats
from conftest import ASAN, check_outcome, run_tfmeta
from test_crafted import FLOAT, _v1_meta, _v1_slice_key


def _write_fill_case(case_dir):
    shape = [1 << 22]
    full = formats.field_bytes(1, b"")
    saved = formats.field_bytes(2, formats.field_bytes(1, b"x") + formats.field_bytes(2, full)
                                + formats.field_bytes(3, formats.field_varint(1, FLOAT)))
    (case_dir / "in").mkdir()
    (case_dir / "in" / "v1").write_bytes(formats.write_table([(b"", _v1_meta(shape, [full])),
                                                              (_v1_slice_key(b"x", 1), saved)]))


def test_within_limits_passes(case_dir):
    _write_fill_case(case_dir)
    outcome = run_tfmeta(["ckpt", "verify", "in/v1"], cwd=case_dir)
    check_outcome(outcome, damaged="in/v1", allowed=(0,))
    assert outcome.max_rss_mb > 32, f"the fill case should touch 32 MB: {outcome.describe()}"


@pytest.mark.skipif(not ASAN, reason="a plain build's limit is RLIMIT_AS, which cannot be set just above "
                    "tfmeta's own 80 MB of mappings without libdispatch stalling on thread creation")
def test_allocation_past_the_limit_fails_the_case(case_dir):
    _write_fill_case(case_dir)
    outcome = run_tfmeta(["ckpt", "verify", "in/v1"], cwd=case_dir, allocation_limit_mb=8)
    with pytest.raises(AssertionError, match="AddressSanitizer"):
        check_outcome(outcome, damaged="in/v1")


def test_peak_memory_is_measured(case_dir, monkeypatch):
    import conftest
    _write_fill_case(case_dir)
    outcome = run_tfmeta(["ckpt", "verify", "in/v1"], cwd=case_dir)
    monkeypatch.setattr(conftest, "MAX_RSS_MB", 16)
    with pytest.raises(AssertionError, match="peak memory"):
        check_outcome(outcome, damaged="in/v1")
