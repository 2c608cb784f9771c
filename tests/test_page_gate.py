"""No page without the gate. Until st.navigation has run once in a process, Streamlit's legacy pages/ discovery runs
any file in pages/ whose name matches the URL, without app.py. So no file in pages/ may draw anything by itself: each
only defines its page and, run as a script, hands over to app.py; and every page asks get_access() first. (The real
server, first request after a start, is tests/browser/test_browser_signin.py.)"""

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = sorted((ROOT / "pages").glob("*.py"))
NOT_YET: dict[str, str] = {}  # every page is a function now


def top_level_problems(path: Path) -> list[str]:
    """Statements at a module's top level that could draw: anything but a docstring, imports, definitions, plain
    assignments that do not touch Streamlit, and `if __name__ == "__main__":` handing over."""
    problems = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and not any(
            isinstance(n, ast.Name) and n.id == "st" for n in ast.walk(node)
        ):
            continue
        if (
            isinstance(node, ast.If)
            and ast.unparse(node.test) == "__name__ == '__main__'"
            and len(node.body) == 1
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Call)
            and ast.unparse(node.body[0].value.func) in ("run_page", "hand_over")
        ):
            continue
        problems.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return problems


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.name, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[p.name]))
        if p.name in NOT_YET
        else pytest.param(p, id=p.name)
        for p in PAGES
    ],
)
def test_no_file_in_pages_draws_anything_by_itself(path):
    assert top_level_problems(path) == []


def area_page_calls() -> list[str]:
    """The calls pages.common.widgets.area_page makes, in order, up to the cursor: who is there, then what they may do."""
    tree = ast.parse((ROOT / "pages" / "common" / "widgets.py").read_text(encoding="utf-8"))
    fn = next(f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == "area_page")
    calls = [ast.unparse(n.func) for stmt in fn.body for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    return calls[: calls.index("get_cursor")]


@pytest.mark.parametrize("path", [p for p in PAGES if p.name.endswith("_page.py")], ids=lambda p: p.name)
def test_every_page_asks_who_is_there_before_anything_else(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    pages = [f for f in tree.body if isinstance(f, ast.FunctionDef) and f.name == path.stem]
    body = pages[0].body
    body = [
        s
        for s in body
        if not isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Expr))
        or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Call))
    ]
    calls = [ast.unparse(n.func) for stmt in body[:4] for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    if calls and calls[0] == "area_page":  # pages.common.area_page asks, then requires, before anything else
        calls = area_page_calls()
    assert "get_access" in calls, f"{path.name} does not call get_access() first: {calls}"
    assert "require" in calls, f"{path.name} does not check what the person may do: {calls}"


def app_py_addresses() -> set[str]:
    """Every address app.py gives a page, read from its page("file.py", url_path=...) calls: the url_path and the
    file's own name (app.py registers both), not from the folder listing gate_paths() is built from."""
    found = set()
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "page":
            found.add(Path(node.args[0].value).stem)
            found |= {k.value.value for k in node.keywords if k.arg == "url_path"}
    return found


def legacy_addresses() -> set[str]:
    """The address Streamlit's legacy pages/ discovery gives each file, by Streamlit's own rule (a leading number
    and separators dropped: "01_foo bar.py" is /foo_bar), before st.navigation has run once."""
    from streamlit.source_util import page_icon_and_name

    return {page_icon_and_name(p)[1] for p in PAGES if not p.name.startswith((".", "__"))}


def test_app_py_registers_every_page_file_and_the_gate_covers_every_address():
    from pages.common import gate_paths

    source = (ROOT / "app.py").read_text(encoding="utf-8")
    for p in PAGES:
        if p.name.endswith("_page.py"):
            assert f'page("{p.name}"' in source, p.name
    registered, legacy = app_py_addresses(), legacy_addresses()
    assert {"scorecard", "indicator", "upload", "history", "about"} <= registered  # the reading of app.py works
    assert not (registered | legacy) - set(gate_paths()), "addresses the sign-in gate does not answer"


SECRETS = """[auth]
redirect_uri = "http://localhost:8501/oauth2callback"
cookie_secret = "0123456789abcdef0123456789abcdef"
client_id = "dashboard"
client_secret = "secret"
server_metadata_url = "http://localhost:9/.well-known/openid-configuration"
"""


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_each_file_run_by_itself_shows_only_the_sign_in_screen(db_path, tmp_path, path):
    """Run as Streamlit's legacy discovery runs it (the file as the script, no app.py before it), with sign-in on."""
    from streamlit import config as st_config

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS, encoding="utf-8")
    before = st_config.get_option("secrets.files")
    st_config.set_option("secrets.files", [str(secrets)])
    try:
        at = AppTest.from_file(str(path), default_timeout=60).run()
    finally:
        st_config.set_option("secrets.files", before)
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["SEND performance dashboard"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.html and not at.dataframe and not at.metric and not at.get("plotly_chart") and not at.file_uploader
