"""DfE open data (Explore Education Statistics) → the validator's table: a whole release zip as downloaded
("Download all data") or any CSV in it. Each file's layout is detected from its header by the mappings in
config/ees/, which say which columns are which indicators and which rows (filters) are the totals."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from indicators import bounds, periods
from indicators.config import Config
from indicators.ees_mapping import (  # noqa: F401  (re-exported: ees is where DfE mappings are looked for)
    _ALL_LEVEL,
    _NAME,
    _ONS_CODE,
    AREA_COLUMNS,
    CODE_EXAMPLES,
    GEO_COLUMNS,
    LEVEL_WORDS,
    LEVELS,
    MAPPINGS_DIR,
    MAX_BYTES,
    MAX_HEADER_CHARS,
    MAX_MAPPING_BYTES,
    MAX_UNPACKED,
    OWN_CODES,
    REQUIRED,
    SKIPPED_NAMED,
    SOURCE,
    TIME_IDENTIFIERS,
    FigureColumns,
    Mapping,
    MappingError,
    _fold,
    _pydantic_problems,
    check_mapping,
    is_total,
    list_mappings,
    load_mapping,
    load_mappings,
    norm,
)
from indicators.problems import Problem, join_words, suggest
from indicators.returns import decode
from indicators.validate import Table, refused, refused_by_size

# ---------------------------------------------------------------- which release a file is


_YEAR_IN_NAME = re.compile(r"(?<!\d)((?:19|20)\d\d)(?:[-_/]((?:19|20)?\d\d))?(?!\d)")
_GUIDANCE_YEAR = re.compile(
    r"^\s*(?:reporting|calendar|financial|academic)\s+year\s+((?:19|20)\d\d)(?:\s*[/-]\s*(\d\d))?\s*$", re.I | re.M
)


def _year_of(first: str, second: str | None) -> str | None:
    """'2025' → 2025; '2023-24' (an academic or financial year) → 2024, the year it ends in (the NEET figures of a
    2023/24 release are the December 2023 to February 2024 average, time_period 2024); a range of two full years
    ('2014-2024', a file covering several years) names no release."""
    if not second:
        return first
    if len(second) == 4:
        return None
    end = int(first[:2] + second)
    return str(end) if end == int(first) + 1 else None


def release_in_name(name: str) -> str | None:
    """The release a DfE file or zip name carries: education-health-and-care-plans_2025.zip → 2025,
    sen2_mi_2023-release.csv → 2023, ..._2023-24.zip → 2024; None when the name has no single year."""
    found = [_year_of(a, b) for a, b in _YEAR_IN_NAME.findall(Path(name).stem)]
    found = [y for y in found if y]
    return found[-1] if len(set(found)) == 1 else None


def release_in_guidance(text: str) -> str | None:
    """The release a zip's data guidance names on its own line ("Reporting year 2025", "Academic year 2023/24")."""
    m = _GUIDANCE_YEAR.search(text[:5000])
    return _year_of(m.group(1), m.group(2)) if m else None


# ---------------------------------------------------------------- which mapping reads a file


@dataclass
class Member:
    """One CSV to read: a file given on its own, or a file inside a release zip."""

    name: str  # as people see it: the file name, or its path inside the zip
    header: list[str]  # the header row as written
    data: bytes | None = None
    zip_path: str | None = None


def _header_of(first_line: str) -> list[str]:
    return [c.strip() for c in next(csv.reader(io.StringIO(first_line)), [])]


def is_ees(header: list[str]) -> list[str]:
    """The required EES columns a header lacks (none: it is an EES file)."""
    names = {norm(h) for h in header}
    return [c for c in REQUIRED if c not in names]


def fits(mapping: Mapping, header: list[str]) -> bool:
    """A mapping reads a file that has the EES columns and at least one of the mapping's indicator columns."""
    names = {norm(h) for h in header}
    return not is_ees(header) and any(c in names for c in mapping.value_columns)


def _closest(mappings: list[Mapping], member: Member) -> str:
    """A sentence naming the mapping the file most resembles and the columns it would need."""
    names = {norm(h) for h in member.header}
    base = Path(member.name).name.lower()

    def score(m: Mapping):
        return (m.file is not None and m.file.lower() == base, len(names & set(m.value_columns)))

    best = max(mappings, key=score, default=None)
    if best is None:
        return "There is no mapping in config/ees/ yet."
    wanted = list(best.value_columns)
    headed = [h for h in member.header if norm(h) not in REQUIRED and norm(h) not in GEO_COLUMNS]
    hints = [
        f"{c}{suggest(c, [norm(h) for h in headed]).replace('; did you mean', ' (this file has')}".replace("?", ")")
        for c in wanted
    ]
    return (
        f"The nearest is {best.name} ({best.layout}), which reads {join_words(hints)}; "
        f"this file's columns include {join_words(headed[:8])}{' …' if len(headed) > 8 else ''}."
    )


def _release_guess(member: Member, data: bytes | None) -> str:
    """' (it looks like the 2026 release: figures up to 2025)' from the largest time_period, if it can be read."""
    if data is None:
        return ""
    try:
        text, _ = decode(data[:20_000_000], member.name)
        years = pd.read_csv(io.StringIO(text or ""), usecols=lambda c: norm(c) == "time_period", dtype=str)
        latest = int(max(str(x).strip()[:4] for x in years.iloc[:, 0] if str(x).strip()[:4].isdigit()))
    except Exception:  # only a hint: a file we cannot read this way is described without it
        return ""
    return f" (its latest figures are for {latest}: the {latest + 1} release, if it is SEN2)"


# ---------------------------------------------------------------- reading one file with its mapping


def _no_total(member: Member, mapping: Mapping, labels: list[tuple[str, ...]], columns: list[str]) -> Problem:
    """No row of the file is its total: the breakdown values seen, and the mapping line that would name the total
    (the label that never splits, i.e. a topic with a single breakdown value, most rows first)."""
    by_topic: dict[str, set] = {}
    rows: dict[str, int] = {}
    for k in labels:
        by_topic.setdefault(k[0], set()).add(k[1:])
        rows[k[0]] = rows.get(k[0], 0) + 1
    topics = sorted(by_topic)
    single = sorted((t for t in topics if len(by_topic[t]) == 1), key=lambda t: -rows[t])
    candidate = (single or sorted(topics, key=lambda t: -rows[t]))[0]
    shown = join_words([f'"{t}"' for t in topics[:15]]) + (" …" if len(topics) > 15 else "")
    same = f", or {columns[0]} equal to {join_words(columns[1:])}" if len(columns) > 1 else ""
    return Problem.of(
        "no_total",
        row=1,
        column=columns[0],
        file=member.name if member.zip_path else None,
        name=Path(member.name).name,
        column_name=columns[0],
        values=shown,
        same=same,
        path=f"config/ees/{mapping.name}.yaml",
        line=f'total: ["{candidate}"]',
    )


def _read_member(
    member: Member,
    mapping: Mapping,
    config: Config,
    known_codes: set[str],
    known_names: set[str],
    table_rows: list[dict],
    new_areas: dict[str, tuple],
    skipped: dict[str, int],
    notes: list[str],
    problems: list[Problem],
) -> list[int]:
    """Append this file's figures (as text cells) to `table_rows`; returns the years of its time_period values."""
    text, decode_problems = decode(member.data or b"", member.name)
    if decode_problems:
        problems.extend(decode_problems)
        return []
    header = member.header
    names = [norm(h) for h in header]
    written = {n: h for h, n in zip(header, names)}
    where = member.name if member.zip_path else None
    wanted = (
        set(REQUIRED)
        | set(GEO_COLUMNS)
        | set(mapping.filters)
        | set(mapping.breakdowns)
        | {c for f in mapping.figures.values() for c in f.columns()}
    )
    for c in sorted({n for n in names if n in wanted and names.count(n) > 1}):
        problems.append(Problem.of("duplicate_column", row=1, column=written[c], file=where, column_name=written[c]))
    if problems:
        return []
    present = [f for f in mapping.figures.items() if f[1].value in names]
    for ind, f in mapping.figures.items():
        if f.value not in names:
            notes.append(
                f"{member.name} has no {f.value} column, so {ind} is not loaded from it (the mapping {mapping.name} "
                "reads it when present; if the release renamed it, add the new name to the mapping)."
            )
    keep = [i for i, n in enumerate(names) if n in wanted]
    try:
        # Blank lines are kept (and skipped below) so row numbers stay those a spreadsheet shows.
        df = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False, usecols=keep, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        problems.append(Problem.of("no_figures", file=where))
        return []
    except (pd.errors.ParserError, csv.Error) as e:
        m = re.search(r"line (\d+)", str(e))
        problems.append(
            Problem.of("csv_unreadable", row=int(m.group(1)) if m else None, file=where, detail=str(e).split(". ")[0].strip())
        )
        return []
    df.columns = [norm(c) for c in df.columns]
    n = len(df)

    def stripped(c: str, rows_wanted=None) -> np.ndarray:
        values = df[c].to_numpy(dtype=object)
        if rows_wanted is not None:
            values = values[rows_wanted]
        return np.array([x.strip() if isinstance(x, str) else "" for x in values.tolist()], dtype=object)

    # Which rows to read is decided on the few columns that say so; every other column is read for those rows only.
    deciding = {"geographic_level", *[c for c in [*mapping.filters, *mapping.breakdowns] if c in df.columns]}
    col = {c: stripped(c) for c in deciding}
    blank_line = (df.to_numpy(dtype=object) == "").all(axis=1) if n else np.zeros(0, dtype=bool)
    rows = np.arange(2, n + 2)

    def skip(mask, reason):
        k = int(mask.sum())
        if k:
            skipped[reason] = skipped.get(reason, 0) + k

    live = ~blank_line
    level_text = col["geographic_level"]
    for i in np.flatnonzero(live & (level_text == "")):
        problems.append(Problem.of("empty_level", row=int(rows[i]), column=written["geographic_level"], file=where))
    folded = {x: _fold(x) for x in set(level_text.tolist())}
    folded_level = np.array([folded[x] for x in level_text.tolist()], dtype=object)
    in_level = np.array([x in LEVELS for x in folded_level], dtype=bool)
    skip(
        live & (level_text != "") & ~in_level,
        "rows at other geographic levels (only National, Regional and Local authority rows are loaded)",
    )
    live &= in_level
    for c, allowed in mapping.filters.items():
        if c not in col:
            notes.append(f"{member.name} has no {c} column, so the mapping's filter on it was not needed.")
            continue
        ok = {_fold(v) for v in allowed}
        fits_filter = {x: _fold(x) in ok for x in set(col[c].tolist())}
        inside = np.array([fits_filter[x] for x in col[c].tolist()], dtype=bool)
        skip(live & ~inside, f"rows whose {written[c]} is not {' or '.join(allowed)} (a breakdown, not the total)")
        live &= inside

    split_by = [c for c in mapping.breakdowns if c in col]
    if split_by and live.any():
        named = frozenset(_fold(x) for x in mapping.total)
        memo: dict[tuple, bool] = {}
        labels = list(zip(*(col[c].tolist() for c in split_by)))
        total = np.array([memo[k] if k in memo else memo.setdefault(k, is_total(k, named)) for k in labels], dtype=bool)
        if not (live & total).any():
            problems.append(_no_total(member, mapping, [labels[i] for i in np.flatnonzero(live)], [written[c] for c in split_by]))
            return []
        topics = sorted({labels[i][0] for i in np.flatnonzero(live & ~total)})
        shown = join_words(topics[:8] or ["none"]) + (" …" if len(topics) > 8 else "")
        skip(
            live & ~total,
            f"rows of {Path(member.name).name} that split the total by {written[split_by[0]]} ({shown}): breakdowns, not the total",
        )
        live &= total

    keep_rows = np.flatnonzero(live)
    for c in df.columns:
        if c not in deciding:
            full = np.full(n, "", dtype=object)
            full[keep_rows] = stripped(c, keep_rows)
            col[c] = full
    ind_ids = [ind for ind, _ in present]
    type_name = periods.TYPE_NAMES[mapping.period_type]
    wrong_time: dict[str, list[int]] = {}
    missing_geo: set[str] = set()
    years: list[int] = []
    get = lambda c, i: col[c][i] if c in col else ""  # noqa: E731
    not_areas: list[str] = []

    def at(kind: str, row: int, column: str, **params) -> None:
        """A problem with one row of this file."""
        problems.append(Problem.of(kind, row=row, column=column, file=where, **params))

    for i in np.flatnonzero(live):
        row = int(rows[i])
        time_text = col["time_identifier"][i]
        if not time_text:
            at("empty_time_identifier", row, written["time_identifier"], mapping=mapping.name, expected=mapping.time_identifier)
            continue
        if _fold(time_text) != _fold(mapping.time_identifier):
            wrong_time.setdefault(time_text, []).append(row)
            continue
        level = LEVELS[folded_level[i]]
        code_col, name_col = AREA_COLUMNS[level]
        if code_col not in col:
            if code_col not in missing_geo:
                at("no_code_column", 1, code_col, level=LEVEL_WORDS[level], first=row, code_column=code_col)
                missing_geo.add(code_col)
            continue
        code = col[code_col][i].upper()
        if not code and not any(get(c, i) for c in OWN_CODES[level]):
            # No code at its level at all: a demonstration or notes row ("LA demo"), not an area. Skipped and named,
            # unless its name is an area's, in which case it claims to be that area and its missing code is a fault.
            name = get(name_col, i) or f"row {row}"
            if _fold(name) not in known_names:
                not_areas.append(name)
                continue
        if not code:
            at(
                "empty_code",
                row,
                written[code_col],
                level=LEVEL_WORDS[level],
                code_column=written[code_col],
                example=CODE_EXAMPLES[level],
            )
            continue
        if not _ONS_CODE.match(code):
            at("bad_code", row, written[code_col], value=col[code_col][i], example=CODE_EXAMPLES[level])
            continue
        if code not in known_codes and code not in new_areas:
            name = get(name_col, i)
            if not name:
                at("new_area_without_name", row, written.get(name_col, name_col), code=code)
                continue
            too_long = bounds.name_problem(
                name, what="area name", row=row, column=written[name_col], file=where, example="County Durham"
            )
            if too_long:
                problems.append(too_long)
                continue
            la_code = (get("old_la_code", i) or None) if level == "local_authority" else None
            region = (get("region_code", i).upper() or None) if level == "local_authority" else None
            new_areas[code] = (code, name, level, la_code, region)
        period_text = col["time_period"][i]
        if period_text[:4].isdigit():
            years.append(int(period_text[:4]))
        for ind in ind_ids:
            f = mapping.figures[ind]
            value = col[f.value][i]
            if value == "":
                skip(np.ones(1, dtype=bool), "blank cells (a figure not collected for that area and year)")
                continue
            table_rows.append(
                {
                    "row": row,
                    "file": where,
                    "indicator": ind,
                    "area": code,
                    "area_col": written[code_col],
                    "period": period_text,
                    "value": value,
                    "value_col": written[f.value],
                    "numerator": get(f.numerator, i) if f.numerator else "",
                    "numerator_col": written.get(f.numerator),
                    "denominator": get(f.denominator, i) if f.denominator else "",
                    "denominator_col": written.get(f.denominator),
                    "figure_type": "published",
                }
            )
    if not_areas:
        shown = join_words([f'"{x}"' for x in not_areas[:10]]) + (" …" if len(not_areas) > 10 else "")
        skipped[f"rows that are not areas (no ONS code at their geographic level): {shown}"] = len(not_areas)
    for time_text, bad_rows in wrong_time.items():
        more = f" ({len(bad_rows)} rows say so; the first is shown)" if len(bad_rows) > 1 else ""
        problems.append(
            Problem.of(
                "time_identifier_mismatch",
                row=bad_rows[0],
                column=written["time_identifier"],
                file=where,
                value=time_text,
                mapping=mapping.name,
                indicators=join_words(ind_ids),
                type_name=type_name,
                expected=mapping.time_identifier,
                more=more,
            )
        )
    return years


# ---------------------------------------------------------------- a file (zip or CSV) → one table


GUESSED = "guessed"  # how a release's basis starts when nothing the DfE publishes named it


def _release(
    data: bytes, file_name: str, is_zip: bool, given: str | None, years: list[int], plan: list
) -> tuple[str | None, str]:
    """(release, how it is known), from what the DfE publishes, in this order: --release; the zip's name; the zip's
    data guidance; the file's name. Only when none says is it guessed from the latest figures, and the basis says so."""
    if given and given.strip():
        return given.strip(), "given with --release"
    kind = "zip" if is_zip else "file"
    named = release_in_name(file_name)
    if named:
        return named, f"from the {kind}'s name, {Path(file_name).name}"
    if is_zip:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                if "guidance" in info.filename.lower() and info.filename.lower().endswith(".txt") and info.file_size < 2_000_000:
                    text, _ = decode(z.read(info), info.filename)
                    found = release_in_guidance(text or "")
                    if found:
                        return found, f"from the release's data guidance, {info.filename}"
        for member, _ in plan:
            found = release_in_name(member.name)
            if found:
                return found, f"from the file's name, {member.name}"
    if not years:
        return None, "not known"
    after = max(m.release_after_latest for _, m in plan)
    latest = max(years) - after
    rule = f"the year after its latest figures, {latest}" if after == 1 else f"the year of its latest figures, {latest}"
    return str(max(years)), (
        f"{GUESSED} as {rule}: neither its name nor data guidance says; if it is a slice of another release, give --release"
    )


def _members(data: bytes, file_name: str) -> tuple[list[Member], list[Problem]]:
    """The CSV files to consider: the file itself, or every CSV inside a release zip (headers read, not the data)."""
    if data[:4] != b"PK\x03\x04":
        if b"\x00" in data[:8192]:
            return [], [
                Problem.of(
                    "not_text",
                    name=file_name,
                    hint="Download the data set as CSV (or the release's "
                    '"Download all data" zip) from explore-education-statistics.service.gov.uk and use that.',
                )
            ]
        problems = bounds.check_lines(data, file_name)
        if problems:
            return [], problems
        first = data[:MAX_HEADER_CHARS].split(b"\n", 1)[0]
        text, problems = decode(first, file_name)
        if problems:
            return [], problems
        return [Member(file_name, _header_of(text or ""), data)], []
    z, infos, problems = bounds.open_zip(data, file_name, max_unpacked=MAX_UNPACKED)
    if problems:
        return [], problems
    members = []
    for info in infos:
        if not info.filename.lower().endswith(".csv"):
            continue
        first, problems = bounds.read_member_head(data, info, file_name, MAX_HEADER_CHARS)
        if problems:
            return [], problems
        text, _ = decode(first, info.filename)
        members.append(Member(info.filename, _header_of(text or ""), None, info.filename))
    return members, [] if members else [Problem.of("no_csv", name=file_name)]


def _unpack(data: bytes, file_name: str, member: Member) -> list[Problem]:
    """A zip member's bytes into `member.data`, streamed within the bounds (bytes, rows, line length)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(member.zip_path)
    member.data, problems = bounds.read_member(data, info, file_name, max_bytes=bounds.MAX_RELEASE_FILE_BYTES)
    return problems


def read(
    data: bytes,
    file_name: str,
    config: Config,
    areas_df: pd.DataFrame,
    *,
    mapping: str | None = None,
    release: str | None = None,
    directory: Path | str | None = None,
) -> Table:
    """A DfE release zip or CSV → the validator's table (published figures for England, the regions and every local
    authority), the areas it names that the store does not know yet, and what was left out and why. Nothing is
    written. Without `mapping`, each file's layout is detected from its header."""
    bad = refused_by_size(
        data,
        file_name,
        SOURCE,
        MAX_BYTES,
        too_big="Download the data set filtered to national, regional and local authority level.",
        empty="an EES open-data CSV has a header row and rows of figures.",
    )
    if bad is not None:
        return bad
    mappings = load_mappings(config, directory)
    if mapping is not None:
        chosen = [m for m in mappings if m.name == mapping]
        if not chosen:
            load_mapping(mapping, config, directory)  # raises MappingError naming the mappings there are
        mappings_used = chosen
    else:
        mappings_used = mappings
    members, problems = _members(data, file_name)
    if problems:
        return refused(SOURCE, problems)
    is_zip = data[:4] == b"PK\x03\x04"
    plan: list[tuple[Member, Mapping]] = []
    skipped_files: list[str] = []
    problems = []
    for member in members:
        fitting = [m for m in mappings_used if fits(m, member.header)]
        base = Path(member.name).name.lower()
        expected = [m for m in mappings if m.file and m.file.lower() == base]
        if len(fitting) > 1:
            problems.append(Problem.of("ambiguous_layout", name=member.name, names=join_words([m.name for m in fitting])))
        elif fitting:
            plan.append((member, fitting[0]))
        elif not is_zip or (expected and mapping is None):
            # A file given on its own, or a file the release is expected to hold, that no mapping reads: say what to do.
            missing = is_ees(member.header)
            if missing:
                problems.append(
                    Problem.of("not_ees", name=member.name, missing=join_words(missing), plural="s" if len(missing) > 1 else "")
                )
            elif mapping is not None:
                m = mappings_used[0]
                wanted = list(m.value_columns)
                problems.append(
                    Problem.of(
                        "mapping_not_for_file",
                        name=member.name,
                        mapping=m.name,
                        missing=join_words(wanted),
                        plural="s" if len(wanted) > 1 else "",
                        suggestion=suggest(wanted[0], [norm(h) for h in member.header])
                        .replace("; did you mean", " (this file has")
                        .replace("?", ")"),
                        hint="Leave out --mapping to let the layout be detected, or choose the mapping made for this file.",
                    )
                )
            else:
                if member.data is None:
                    _unpack(data, file_name, member)  # only for the hint: a member too big to read gets none
                problems.append(
                    Problem.of(
                        "unmapped_layout",
                        name=member.name,
                        release=_release_guess(member, member.data),
                        closest=_closest(mappings, member),
                    )
                )
        else:
            skipped_files.append(member.name)
    if problems:
        return refused(SOURCE, problems)
    if not plan:
        listing = join_words([Path(m.name).name for m in members][:15])
        return refused(
            SOURCE,
            [
                Problem.of(
                    "nothing_mapped",
                    name=file_name,
                    members=listing,
                    hint="The mappings read SEN2 (EHC plans) and NEET/participation releases; see config/ees/.",
                )
            ],
        )
    if is_zip:
        for member, _ in plan:
            problems += _unpack(data, file_name, member)
        if problems:
            return refused(SOURCE, problems)

    known = set(areas_df["code"])
    known_names = {_fold(str(x)) for x in areas_df["name"]}
    table_rows: list[dict] = []
    new_areas: dict[str, tuple] = {}
    skipped: dict[str, int] = {}
    notes: list[str] = []
    years: list[int] = []
    for member, m in plan:
        got = _read_member(member, m, config, known, known_names, table_rows, new_areas, skipped, notes, problems)
        if got:
            years.append(max(got) + m.release_after_latest)
    if skipped_files:
        names = [Path(f).name for f in skipped_files[:SKIPPED_NAMED]]
        if len(skipped_files) > SKIPPED_NAMED:
            names.append(f"{len(skipped_files) - SKIPPED_NAMED:,} more")
        skipped[f"files in the zip that no mapping reads ({join_words(names)})"] = len(skipped_files)
    layouts = [f"{Path(mb.name).name} read with the mapping {m.name} ({m.layout})" for mb, m in plan]
    layout_text = "; ".join(layouts)
    release, release_basis = _release(data, file_name, is_zip, release, years, plan)
    columns = {"period": "time_period", "indicator": "indicator", "value": "value"}
    cells = pd.DataFrame(
        table_rows,
        columns=[
            "row",
            "file",
            "indicator",
            "area",
            "area_col",
            "period",
            "value",
            "value_col",
            "numerator",
            "numerator_col",
            "denominator",
            "denominator_col",
            "figure_type",
        ],
    )
    source_of = {m.name: m.source_text(release) for _, m in plan}
    if len(set(source_of.values())) == 1:
        cells["source"] = next(iter(source_of.values()))
    else:
        by_ind = {ind: source_of[m.name] for _, m in plan for ind in m.figures}
        cells["source"] = cells["indicator"].map(by_ind)
    if cells.empty and not problems:
        what = "; ".join(f"{k} {r}" for r, k in skipped.items()) or "the file has a header row but no figures"
        return refused(SOURCE, [Problem.of("no_rows_left", what=what)], layout_text=layout_text, official=True)
    # Problems with single rows travel with the table: the validator lists them with its own, all at once.
    return Table(
        cells,
        SOURCE,
        ",".join(m.name for _, m in plan),
        layout_text,
        columns,
        official=True,
        release=release,
        release_basis=release_basis,
        new_areas=list(new_areas.values()),
        skipped=skipped,
        notes=notes,
        problems=problems,
    )
