"""Run a function once per distinct value of a column: the lists repeat a few thousand values a million times."""

from __future__ import annotations

import numpy as np
import pandas as pd


def per_distinct(series: pd.Series, function, missing: object = "") -> tuple[np.ndarray, list]:
    """(codes, results): `function` applied once per distinct value, missing values passed as `missing`.

    Python runs per distinct value, numpy per row; `spread` takes results back to the rows.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniques = series.cat.codes.to_numpy(), list(series.cat.categories)
    else:
        # Factorized in the column's own dtype: converting Arrow strings to objects first costs
        # more than everything else ingest does to a column.
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        uniques = list(uniques)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(uniques), codes)
        uniques.append(missing)
    return codes, [function(value) for value in uniques]


def spread(codes: np.ndarray, results: list, index: int | None = None) -> np.ndarray:
    """Each row's result (or one element of it), from `per_distinct`'s codes and results."""
    picked = results if index is None else [result[index] for result in results]
    values = np.empty(len(picked), dtype=object)
    values[:] = picked
    return values[codes]


def map_distinct(series: pd.Series, function, missing: object = None) -> pd.Series:
    """The series with `function` applied per distinct value, as a series on the same index."""
    codes, results = per_distinct(series, function, missing)
    return pd.Series(spread(codes, results), index=series.index, dtype=object)
