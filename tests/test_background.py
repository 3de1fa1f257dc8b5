"""common/background: work done in a forked child comes back as its value, and its failure as the same exception."""

from __future__ import annotations

import os

import pytest

from ledger.common.background import in_background


def test_the_childs_value_comes_back_and_it_sees_the_parents_data():
    data = list(range(100_000))
    wait = in_background(lambda: (sum(data), os.getpid()))
    total, pid = wait()
    assert total == sum(data)
    assert pid != os.getpid() or (os.cpu_count() or 1) < 2


def test_a_failure_in_the_child_is_raised_in_the_parent():
    def fails():
        raise ValueError("bad input in the child")

    wait = in_background(fails)
    with pytest.raises(ValueError, match="bad input in the child"):
        wait()


def test_a_child_that_dies_is_an_error_not_a_hang():
    wait = in_background(lambda: os._exit(3))
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: the work runs in this process")
    with pytest.raises(RuntimeError, match="exit code 3"):
        wait()


def test_a_ledger_error_in_the_child_keeps_its_file_and_reason():
    from ledger.common.errors import LedgerError

    def fails():
        raise LedgerError("sheet_rows.parquet", "rows of a publication the publications table does not list")

    with pytest.raises(LedgerError) as raised:
        in_background(fails)()
    assert (raised.value.path, raised.value.reason) == ("sheet_rows.parquet", "rows of a publication the publications table does not list")
