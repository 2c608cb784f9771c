"""A throwaway PostgreSQL server for the PostgreSQL-backend tests: initdb in a temporary folder and pg_ctl on a
free port, run as the `postgres` OS user when we are root (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

from tests.harness import free_port

INSTALL_HINT = (
    "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb); run `bash .ci/postgres.sh` or `apt-get install postgresql`"
)
# PostgreSQL's own refusal of a NULL in observations.period_start, passed through DuckDB's postgres extension.
PG_NOT_NULL = r'null value in column "period_start"'


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder, or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


class Server:
    """One cluster: `url` reaches its `postgres` database as the superuser `postgres` (trust auth on 127.0.0.1)."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="kpi-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_root = os.geteuid() == 0
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd="/")
        if out.returncode:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args[:2])} failed ({out.returncode}): {out.stdout}{out.stderr}{log}")
        return out

    def start(self) -> Server:
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        # fsync off and a small footprint: a test cluster thrown away at the end, on a 2-core machine.
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 -c shared_buffers=32MB"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start", timeout=90)
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except Exception:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def create_database(server_url: str, name: str, template: str | None = None) -> str:
    """A new database on the server at `server_url`, empty or a copy of the database `template`; returns its URL."""
    base, _, _ = server_url.rpartition("/")
    u = urllib.parse.urlsplit(server_url)
    subprocess.run(
        [
            "psql",
            "-h",
            u.hostname,
            "-p",
            str(u.port),
            "-U",
            u.username or "postgres",
            "-d",
            "postgres",
            "-c",
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return f"{base}/{name}"


def start() -> Server:
    bindir = bin_dir()
    if bindir is None:
        raise FileNotFoundError(INSTALL_HINT)
    return Server(bindir).start()


if __name__ == "__main__":  # python -m tests.pg_server: start one by hand, print its URL, stop on Enter
    s = start()
    print(s.url, flush=True)
    try:
        input()
    finally:
        s.stop()
