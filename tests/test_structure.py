"""The shape of the package, checked: no import circle in indicators/ (module-level imports, then function-level ones
as well, each reported on its own), no Streamlit inside it, and the scorecard's read model running the same number
of SQL queries however many indicators the config has."""

from __future__ import annotations

import ast
import copy as copy_module
import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from indicators import config, readmodel, store

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "indicators"
MODULES = {p.stem for p in PACKAGE.glob("*.py")}
# Function-level circles that exist today and are being taken apart (issue 16 item 1: the read model replaces the
# scorecard <-> benchmarks pair). Each entry is a sorted tuple of the modules in the circle; delete it once gone.
KNOWN_FUNCTION_LEVEL_CIRCLES: set[tuple[str, ...]] = set()


def imports(path: Path) -> list[tuple[str, str, int]]:
    """(imported name, "module" or "function", line) for every import in a file; names in indicators/ are the
    module's file stem ("store"), anything else the top-level package ("streamlit"). Imports under
    `if TYPE_CHECKING:` are left out: they never run."""
    found: list[tuple[str, str, int]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                continue
            inner = "function" if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else where
            if isinstance(child, ast.Import):
                for alias in child.names:
                    parts = alias.name.split(".")
                    found.append((parts[1] if parts[0] == "indicators" and len(parts) > 1 else parts[0], inner, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                parts = (child.module or "").split(".")
                if child.level or parts[0] == "indicators":
                    below = parts[1:] if not child.level else [p for p in parts if p]
                    if below:
                        found.append((below[0], inner, child.lineno))
                    else:  # from indicators import store, config
                        found.extend((a.name, inner, child.lineno) for a in child.names if a.name in MODULES)
                else:
                    found.append((parts[0], inner, child.lineno))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), "module")
    return found


def graph(levels: tuple[str, ...]) -> dict[str, set[str]]:
    """Which modules of indicators/ each one imports, counting imports at the given levels."""
    return {
        p.stem: {name for name, where, _ in imports(p) if where in levels and name in MODULES and name != p.stem}
        for p in sorted(PACKAGE.glob("*.py"))
    }


def circles(g: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each as a sorted list."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(g):
        if v not in index:
            connect(v)
    return sorted(found)


def describe(group: list[str], g: dict[str, set[str]]) -> str:
    return "; ".join(f"{m} imports {', '.join(sorted(g[m] & set(group)))}" for m in group)


def test_the_walk_finds_imports_of_both_kinds(tmp_path):
    """The walker itself: module-level, function-level, relative and `from indicators import x` forms."""
    src = tmp_path / "m.py"
    src.write_text(
        "import os\nfrom indicators import store, not_a_module\nfrom indicators.config import Config\n"
        "from . import rag\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from indicators import spc\n"
        "def f():\n    import streamlit as st\n    from indicators.uploads import check\n"
    )
    assert imports(src) == [
        ("os", "module", 1),
        ("store", "module", 2),
        ("config", "module", 3),
        ("rag", "module", 4),
        ("typing", "module", 5),
        ("streamlit", "function", 9),
        ("uploads", "function", 10),
    ]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circle_among_module_level_imports():
    g = graph(("module",))
    found = circles(g)
    assert not found, "import circles among module-level imports in indicators/: " + " | ".join(describe(c, g) for c in found)


def test_no_import_circle_counting_function_level_imports():
    """A circle hidden in an import inside a function is still a circle: each module needs the other."""
    g = graph(("module", "function"))
    found = [c for c in circles(g) if tuple(c) not in KNOWN_FUNCTION_LEVEL_CIRCLES]
    assert not found, "import circles in indicators/ once function-level imports are counted: " + " | ".join(
        describe(c, g) for c in found
    )


def test_indicators_never_imports_streamlit():
    used = [
        f"indicators/{p.name}:{line} ({where}-level)"
        for p in sorted(PACKAGE.glob("*.py"))
        for name, where, line in imports(p)
        if name == "streamlit"
    ]
    assert not used, f"indicators/ must not import Streamlit (it is reused by the CLI and tested without it): {used}"


def test_spc_is_statistics_only_and_imports_no_plotly():
    """The SPC module reckons (limits, rules, icons, the CLI's JSON); indicators/charts.py draws every chart."""
    used = [f"indicators/spc.py:{line}" for name, _, line in imports(PACKAGE / "spc.py") if name == "plotly"]
    assert not used, f"spc.py imports Plotly; chart code belongs in indicators/charts.py: {used}"


MAX_MODULE_LINES = 700
LONGER_FOR_NOW: set[str] = set()  # none: every module in indicators/ is within the limit


def test_no_module_in_indicators_is_over_700_lines():
    """One job per module: a module past 700 lines has grown a second job (split it by job and re-export what its
    callers import, as store.py does for store_schema, store_postgres, store_backups…)."""
    long = {
        p.name: n
        for p in sorted(PACKAGE.glob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES and p.name not in LONGER_FOR_NOW
    }
    assert not long, f"modules in indicators/ over {MAX_MODULE_LINES} lines (lines each): {long}"


# Files with dead code removed (issue 24): each name must not come back unused.
_STORE_DEAD = ["comparator_series", "period_comparison", "store_exists", "delete_store", "latest", "series", "neighbours"]
DELETED = {
    "store.py": _STORE_DEAD,
    "store_queries.py": _STORE_DEAD,
    "ees.py": ["parse_mapping"],
    "uploads.py": ["completeness", "completeness_text"],
}


def test_dead_code_stays_deleted():
    back = [
        f"indicators/{f}: {name}"
        for f, names in DELETED.items()
        for name in names
        if f"def {name}(" in (PACKAGE / f).read_text(encoding="utf-8")
    ]
    assert not back, f"deleted as unused (issue 24), now defined again: {back}"


def test_what_is_due_is_reckoned_in_one_place():
    """readmodel.due_status holds the rule (a period is due `due_days` after it ends); the upload templates
    (uploads.expected_period) and the sample builder call it instead of writing the rule again."""
    files = [*PACKAGE.glob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "data" / "sample" / "build_sample.py"]
    holders = sorted(
        f"{p.relative_to(ROOT)}:{n}"
        for p in files
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if "due_days" in line and "timedelta(" in line  # a period's end plus its days to report
    )
    assert len(holders) == 1 and holders[0].startswith("indicators/readmodel.py:"), holders


def test_tests_start_processes_and_servers_through_the_one_harness():
    """tests/harness.py runs `python -m indicators`, `streamlit run`, waits for health and picks ports; a test that
    wrote its own would drift from it (different waits, skips that do not fail in CI)."""
    own = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name in ("harness.py", "test_structure.py"):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (
            '"-m", "indicators"',
            '"-m", "streamlit"',
            "/_stcore/health",
            "socket.socket(",
            "def free_port",
            "def _free_port",
        ):
            if pattern in text:
                own.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert not own, own


# ---------------------------------------------------------------- queries per scorecard


class CountingConnection:
    """The store connection with every statement it is asked to run written down (cursors share the list)."""

    def __init__(self, conn, statements: list[str] | None = None):
        self._conn = conn
        self.statements = [] if statements is None else statements

    def _note(self, sql) -> None:
        self.statements.append(" ".join(str(sql).split()))

    def execute(self, sql, *args, **kwargs):
        self._note(sql)
        return self._conn.execute(sql, *args, **kwargs)

    def executemany(self, sql, *args, **kwargs):
        self._note(sql)
        return self._conn.executemany(sql, *args, **kwargs)

    def sql(self, sql, *args, **kwargs):
        self._note(sql)
        return self._conn.sql(sql, *args, **kwargs)

    query = sql

    def cursor(self):
        return CountingConnection(self._conn.cursor(), self.statements)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def _tripled_config(tmp_path: Path) -> Path:
    """The shipped indicators file with every indicator there three times (copies get ids ending _c2 and _c3)."""
    doc = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8"))
    copies = []
    for n in (2, 3):
        for ind in doc["indicators"]:
            copy = dict(copy_module.deepcopy(ind), id=f"{ind['id']}_c{n}", name=f"{ind['name']} (copy {n})")
            copy.pop("official", None)  # an official link names one indicator; the copies stand alone
            copies.append(copy)
    doc["indicators"] += copies
    path = tmp_path / "indicators-x3.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _statements_for_one_area(conn, cfg) -> list[str]:
    counting = CountingConnection(conn)
    readmodel.figures(counting, cfg, cfg.default_area, today=dt.date(2026, 9, 30))
    return counting.statements


def test_scorecard_queries_do_not_grow_with_the_number_of_indicators(conn, cfg, tmp_path):
    """The read model for one area runs the same number of SQL statements for the shipped indicators as for three
    times as many (each with a full copy of its figures): no query per indicator."""
    shipped = _statements_for_one_area(conn, cfg)
    tripled_cfg = config.load(_tripled_config(tmp_path))
    assert len(tripled_cfg.indicators) == 3 * len(cfg.indicators)
    cols = ", ".join(c for c in store.STORED_COLUMNS if c != "indicator_id")
    for n in (2, 3):
        conn.execute(
            f"INSERT INTO observations ({', '.join(store.STORED_COLUMNS)}) SELECT indicator_id || '_c{n}', {cols} "
            f"FROM observations WHERE indicator_id IN ({', '.join('?' * len(cfg.indicators))})",
            [i.id for i in cfg.indicators],
        )
    store.sync_areas(conn, tripled_cfg)
    tripled = _statements_for_one_area(conn, tripled_cfg)
    grew = sorted({s for s in tripled if tripled.count(s) > shipped.count(s)})
    assert len(tripled) <= len(shipped), (
        f"{len(shipped)} statements for {len(cfg.indicators)} indicators but {len(tripled)} for "
        f"{len(tripled_cfg.indicators)}; run more often: " + " | ".join(s[:200] for s in grew)
    )


@pytest.mark.parametrize("area", ["E06000047", "E06000003"])
def test_scorecard_query_count_is_small(conn, cfg, area):
    """A handful of statements, whatever the area: the count the test above holds steady."""
    counting = CountingConnection(conn)
    readmodel.figures(counting, cfg, area, today=dt.date(2026, 9, 30))
    assert len(counting.statements) <= 12, counting.statements


# ---------------------------------------------------------------- what the first page loads


def test_first_page_loads_none_of_the_modules_only_some_pages_need(db_path):
    """A fresh process opening the scorecard (bench/first_page.py under AppTest) never loads the board pack's,
    the slides' or Excel's libraries: they are imported where they are used."""
    import json
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "first_page.py")],
        cwd=ROOT,
        env={**os.environ, "KPI_BACKUP_EVERY_HOURS": "0", "STREAMLIT_LOGGER_LEVEL": "error"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report["title"].startswith("SEND scorecard"), report
    assert report["loaded_only_some_pages"] == [], report


# ---------------------------------------------------------------- pages only draw (issue 24)

# Pages another engineer is changing at the same time, with what they still do; delete the entry once it is gone
# (the strict xfail then fails, so the list cannot outlive the exception).
PAGES_NOT_YET: dict[str, str] = {}  # pages that still import the store, with who moves them: none now
# SQL in a string: the statements' keywords, upper case as the store writes them (plain English never is).
SQL_WORDS = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\b(CREATE|DROP|ALTER)\s+"
    r"(TABLE|VIEW|INDEX|SEQUENCE)\b|\bWITH\s+\w+\s+AS\s*\("
)
DATABASE_CALLS = {"execute", "executemany", "sql", "fetchone", "fetchall", "fetchdf", "df", "pl", "arrow"}


def page_files(root: Path = ROOT) -> list[Path]:
    """Every Python file under pages/, the shared modules (pages/common/) included."""
    return sorted((root / "pages").rglob("*.py"))


def store_imports(path: Path) -> list[str]:
    """Each import of the store (`from indicators import store`, `import indicators.store`, `from indicators.store
    import …`, and the same for any module the store is split into under indicators/store/), as "line: code"."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        if any(n == "indicators.store" or n.startswith("indicators.store.") for n in names):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def sql_in(path: Path) -> list[str]:
    """Each line with a string literal (f-strings' text too) that reads as SQL, or a call that runs a statement on a
    connection or cursor (`.execute(…)`, `.sql(…)`, `.fetchone()`, …), as "line: what" (the first found on it)."""
    found: dict[int, str] = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        what = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WORDS.search(node.value):
            what = repr(node.value.strip()[:80])
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            what = f"f-string {text.strip()[:80]!r}" if SQL_WORDS.search(text) else None
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in DATABASE_CALLS
            and not (node.func.attr == "df" and not node.args and isinstance(node.func.value, ast.Name))
        ):
            what = ast.unparse(node)[:80]
        if what:
            found.setdefault(node.lineno, f"{node.lineno}: {what}")
    return [found[n] for n in sorted(found)]


def test_the_page_rules_find_store_imports_and_sql(tmp_path):
    """The two checkers themselves, on a page written the way the rules forbid and one written the way they want."""
    bad = tmp_path / "bad_page.py"
    bad.write_text(
        "from indicators import store, tables\nimport indicators.store as s\nfrom indicators.store.backups import b\n"
        "def page(cur, i):\n"
        '    cur.execute("SELECT note FROM uploads WHERE id = ?", [i]).fetchone()\n'
        '    q = f"DELETE FROM observations WHERE upload_id = {i}"\n'
        '    cur.sql("select 1")\n'
    )
    assert store_imports(bad) == [
        "1: from indicators import store, tables",
        "2: import indicators.store as s",
        "3: from indicators.store.backups import b",
    ]
    assert [line.split(":")[0] for line in sql_in(bad)] == ["5", "6", "7"]
    good = tmp_path / "good_page.py"
    good.write_text(
        "from indicators import queries, plan_store\n"
        "def page(cur):\n"
        '    st.write("Select the area from the list; choose an upload to roll back.")\n'
        '    return queries.area_names(cur), "UPDATE" + " " + "your figures"\n'
    )
    assert store_imports(good) == [] and sql_in(good) == []


def _per_page(files: list[Path], not_yet: dict[str, str]):
    return [
        pytest.param(p, id=str(p.relative_to(ROOT)), marks=pytest.mark.xfail(strict=True, reason=not_yet[p.name]))
        if p.name in not_yet
        else pytest.param(p, id=str(p.relative_to(ROOT)))
        for p in files
    ]


@pytest.mark.parametrize("path", _per_page(page_files(), PAGES_NOT_YET))
def test_no_page_imports_the_store(path):
    """Pages only draw: what they show comes from the read model or a named query in indicators/ (queries.py,
    league.py, scorecard_view.py), never from the store itself."""
    assert store_imports(path) == [], f"{path.relative_to(ROOT)} imports the store; call indicators.queries instead"


@pytest.mark.parametrize("path", _per_page(page_files(), {}))
def test_no_page_holds_sql(path):
    """No SQL in a page, and no statement run from one: the one place for SQL is the store (GUIDE.md)."""
    assert sql_in(path) == [], f"{path.relative_to(ROOT)} holds SQL; name the query in indicators/ instead"
