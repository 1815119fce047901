"""USCC and organisation-code checks over whole columns, with numpy on the codes' bytes.

Intake checks every code of every export (millions of cells) and linking every distinct code
of the records and the roster; a Python call per code (`identity.uscc.is_valid_uscc`) cost
tens of seconds at province scale. These give the same answers as the per-code functions:
a code is read as given (normalise first), and a code with a character outside the alphabet,
non-ASCII included, is invalid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tiangong.identity.uscc import CHARSET, ORG_BODY_CHARS, ORG_WEIGHTS, WEIGHTS

_USCC_VALUE = np.full(256, -1, dtype=np.int64)
_USCC_VALUE[np.frombuffer(CHARSET.encode("ascii"), dtype=np.uint8)] = np.arange(len(CHARSET))
_ORG_OF_USCC = np.array([ORG_BODY_CHARS.index(c) for c in CHARSET], dtype=np.int64)
_ORG_VALUE = np.full(256, -1, dtype=np.int64)
_ORG_VALUE[np.frombuffer(ORG_BODY_CHARS.encode("ascii"), dtype=np.uint8)] = np.arange(
    len(ORG_BODY_CHARS))
_ORG_CHECK = np.frombuffer(b"0123456789X0", dtype=np.uint8)  # by 11 - sum % 11


def _strings(cells: pd.Series) -> pa.Array:
    arr = pa.array(cells.astype("string").array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.cast(arr, pa.string())


def _fixed_width(arr: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the cells exactly `width` bytes long, their bytes as a k × width grid)."""
    cand = np.asarray(pc.fill_null(pc.equal(pc.binary_length(arr), width), False)
                      .to_numpy(zero_copy_only=False), dtype=bool)
    where = np.flatnonzero(cand)
    if not where.size:
        return where, np.empty((0, width), dtype=np.uint8)
    codes = pc.filter(arr, pa.array(cand))
    offsets = np.frombuffer(codes.buffers()[1], dtype=np.int32)[codes.offset:]
    data = np.frombuffer(codes.buffers()[2], dtype=np.uint8)
    return where, data[offsets[0]:offsets[0] + width * len(codes)].reshape(len(codes), width)


def valid_usccs(cells: pd.Series) -> np.ndarray:
    """True where a cell is a valid USCC exactly as written (18 characters of the code
    alphabet, both check characters right); missing cells are False."""
    arr = _strings(cells)
    out = np.zeros(len(arr), dtype=bool)
    where, chars = _fixed_width(arr, 18)
    if not where.size:
        return out
    values = _USCC_VALUE[chars]
    ok = (values >= 0).all(axis=1)
    values = np.where(values >= 0, values, 0)
    total = (values[:, :17] * np.asarray(WEIGHTS, dtype=np.int64)).sum(axis=1)
    ok &= values[:, 17] == (31 - total % 31) % 31
    org = (_ORG_OF_USCC[values[:, 8:16]] * np.asarray(ORG_WEIGHTS, dtype=np.int64)).sum(axis=1)
    ok &= chars[:, 16] == _ORG_CHECK[11 - org % 11]
    out[where[ok]] = True
    return out


def valid_org_codes(cells: pd.Series) -> np.ndarray:
    """True where a cell is 8 organisation-code body characters and the right check character
    (`identity.uscc.is_valid_org_code`)."""
    arr = _strings(cells)
    out = np.zeros(len(arr), dtype=bool)
    where, chars = _fixed_width(arr, 9)
    if not where.size:
        return out
    values = _ORG_VALUE[chars[:, :8]]
    ok = (values >= 0).all(axis=1)
    total = (np.where(values >= 0, values, 0) * np.asarray(ORG_WEIGHTS, dtype=np.int64)).sum(
        axis=1)
    ok &= chars[:, 8] == _ORG_CHECK[11 - total % 11]
    out[where[ok]] = True
    return out


def org_codes(codes: pd.Series) -> pd.Series:
    """The organisation code each normalised code carries, or None: characters 9–17 of an
    18-character USCC, 7–15 of an old 15-character taxpayer id (6-digit region + organisation
    code), or a 9-character code itself — when that body's check character holds."""
    arr = _strings(codes)
    length = pc.utf8_length(arr)
    body = pc.if_else(pc.equal(length, 18), pc.utf8_slice_codeunits(arr, 8, 17),
                      pc.if_else(pc.equal(length, 15), pc.utf8_slice_codeunits(arr, 6, 15),
                                 pc.if_else(pc.equal(length, 9), arr,
                                            pa.scalar(None, pa.string()))))
    bodies = pd.Series(body.to_numpy(zero_copy_only=False), index=codes.index, dtype=object)
    ok = valid_org_codes(bodies)
    return bodies.where(ok, None)
