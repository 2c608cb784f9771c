"""The browser suite's own rules: a missing browser skips locally but fails CI, and every navigation page is covered."""

import re

import pytest

from tests import harness
from tests.browser import conftest
from tests.browser.conftest import app_pages, missing


def test_missing_browser_skips_locally_with_a_one_line_reason(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="^Chromium is not installed: apt-get install chromium$"):
        missing("Chromium is not installed: apt-get install chromium")


def test_missing_browser_fails_the_run_in_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium is not installed"):
        missing("Chromium is not installed: apt-get install chromium")


def test_only_the_operating_systems_chromium_is_used(monkeypatch, tmp_path):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "absent"))
    monkeypatch.setattr(harness, "SYSTEM_CHROMIUM", str(tmp_path / "not-installed"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert harness.find_chromium() is None
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    assert harness.find_chromium() == str(fake)


def test_every_missing_tool_skips_locally_and_fails_in_ci(monkeypatch):
    """needs() for each tool the suite uses: the install command when it skips, a failure when CI=true."""
    for thing, (_, reason) in harness.NEEDS.items():
        monkeypatch.setitem(harness.NEEDS, thing, (lambda: None, reason))
        monkeypatch.delenv("CI", raising=False)
        with pytest.raises(pytest.skip.Exception, match=f"^{re.escape(reason)}$"):
            harness.needs(thing)
        monkeypatch.setenv("CI", "true")
        with pytest.raises(pytest.fail.Exception, match=re.escape(reason)):
            harness.needs(thing)
    assert set(harness.NEEDS) >= {"chromium", "axe", "pdfplumber", "postgresql", "haproxy"}


def test_every_page_in_the_navigation_is_covered():
    pages = dict(app_pages())
    assert pages["scorecard"] == "/"  # the default page lives at / only
    assert pages["indicator"].startswith("/indicator?indicator=")
    assert pages["about"] == "/about"


def test_readme_describes_the_browser_tests_and_their_screen_sizes():
    readme = (conftest.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Browser tests", 1)[1]
    for width, height in conftest.SIZES:
        assert f"{width}×{height}" in section
    assert "test-artifacts/screenshots/" in section and "CI=true" in section
