"""Tables as downloads that are safe to open in Excel: CSV and .xlsx with formula-like text neutralised."""

from __future__ import annotations

import io

import pandas as pd

# A cell starting with one of these is run as a formula by Excel and other spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Text that a spreadsheet would treat as a formula gets a leading apostrophe; numbers are untouched."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise, na_action="ignore").astype(object)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def to_csv(df: pd.DataFrame, lineterminator: str = "\r\n") -> str:
    """CRLF by default: Excel on Windows opens it cleanly; the command line prints plain newlines."""
    return safe(df).to_csv(index=False, lineterminator=lineterminator)


def to_xlsx(df: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        safe(df).to_excel(xl, index=False, sheet_name=sheet[:31])
    return buf.getvalue()
