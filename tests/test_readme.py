"""Docs that cannot drift: the README's two commands and every CLI command are documented."""

from indicators.cli import COMMANDS
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands():
    block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert [line.split()[0:2] for line in block.strip().splitlines()] == [["make", "run"], ["make", "test"]]


def test_every_cli_command_is_in_the_readme():
    for name in COMMANDS:
        assert f"python -m indicators {name}" in README, name


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_readme_shows_the_load_balancer_configuration_the_tests_run():
    assert (ROOT / "deploy" / "haproxy.cfg").read_text() in README


def test_every_setting_an_operator_may_need_is_in_the_security_section():
    security = README.split("## Security", 1)[1].split("\n## ", 1)[0]
    for setting in (
        "[auth]",
        "redirect_uri",
        "cookie_secret",
        "server.address",
        "config/roles.yaml",
        "unverified_email_issuers",
        "KPI_ALLOW_OPEN_LOCAL_MODE=1",
        "KPI_ROLES",
        "KPI_CHROMIUM",
        "KPI_CHART_TIMEOUT",
    ):
        assert setting in security, setting
