"""A real workbook with a few cells changed, made by editing the sheet's XML in the file: every other part of the file
is as published. openpyxl would do the same by loading and saving the whole workbook, which for NHS England's CHS
workbook (13 sheets, 10 MB of XML) took most of a test's time."""

from __future__ import annotations

import io
import re
import zipfile
from html import escape
from pathlib import Path
from xml.etree import ElementTree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's title → its part's name in the zip (xl/worksheets/sheetN.xml)."""
    rels = {r.get("Id"): r.get("Target") for r in ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels")) if r.get("Target")}
    book = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    return {s.get("name"): "xl/" + rels[s.get(rid)].removeprefix("/xl/") for s in book.iter(f"{MAIN}sheet")}


def _shared(z: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in z.namelist():
        return []
    root = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
    return ["".join(t.text or "" for t in si.iter(f"{MAIN}t")) for si in root.iter(f"{MAIN}si")]


def _value(attrs: str, inner: str | None, shared: list[str]) -> str | None:
    if inner is None:
        return None
    kind = re.search(r'\bt="(\w+)"', attrs)
    if kind and kind[1] == "inlineStr":
        return "".join(re.findall(r"<t[^>]*>(.*?)</t>", inner, re.S))
    v = re.search(r"<v>(.*?)</v>", inner, re.S)
    if v is None:
        return None
    return shared[int(v[1])] if kind and kind[1] == "s" else v[1]


def _edit(xml: str, cells: dict[str, str], shared: list[str]) -> tuple[str, set[str]]:
    """XML with the cells CELLS names given their new text (as inline strings, the cell's style kept); the keys that
    matched no cell."""
    wanted = {k if not k.startswith("=") else k.lower(): v for k, v in cells.items()}
    used: set[str] = set()
    out, at = [], 0
    for m in CELL.finditer(xml):
        attrs, inner = m[1], m[2]
        ref = re.search(r'\br="([A-Z]+\d+)"', attrs)[1]
        text = _value(attrs, inner, shared)
        key = ref if ref in wanted else f"={text.strip().lower()}" if text is not None else None
        if key not in wanted:
            continue
        used.add(key)
        keep = re.sub(r'\s*\bt="\w+"', "", attrs)
        out += [
            xml[at : m.start()],
            f'<c{keep} t="inlineStr"><is><t xml:space="preserve">{escape(wanted[key], quote=False)}</t></is></c>',
        ]
        at = m.end()
    return "".join(out) + xml[at:], set(wanted) - used


def with_cells(path: Path, changes: dict[str, dict[str, str]]) -> bytes:
    """The workbook at PATH with, in each sheet named in CHANGES, each cell given a new text: a key "B7" names a cell,
    a key "=text" every cell whose text is that (compared without case or outer spaces). A key that matches no cell
    is an error, so a test never runs on an unchanged file."""
    with zipfile.ZipFile(path) as z:
        parts, shared = _sheet_parts(z), _shared(z)
        edited: dict[str, bytes] = {}
        for sheet, cells in changes.items():
            xml, missing = _edit(z.read(parts[sheet]).decode("utf-8"), cells, shared)
            assert not missing, f"{path.name}, sheet {sheet}: no cell {sorted(missing)}"
            edited[parts[sheet]] = xml.encode("utf-8")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
            for info in z.infolist():
                w.writestr(info, edited.get(info.filename, z.read(info.filename)))
    return out.getvalue()
