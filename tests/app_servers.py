"""Several dashboard app servers on one PostgreSQL store behind HAProxy (deploy/haproxy.cfg), all on 127.0.0.1:
`streamlit run app.py` processes on free ports, each with its own local-copy folder, and the balancer in front.
Used by the two-server browser test and by bench/run.py."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import find_haproxy as haproxy
from tests.harness import free_port, stop, wait_healthy
from tests.harness import start_streamlit as _start_streamlit

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy.cfg"
HAPROXY_HINT = "HAProxy is not installed: apt-get install haproxy (.ci/run does this)"
SERVER_COOKIE = "KPI_SERVER"  # deploy/haproxy.cfg: the sticky-session cookie, valued with the server's name


@dataclass
class AppServer:
    name: str
    url: str
    proc: subprocess.Popen
    copy_dir: Path
    log: Path


@dataclass
class Cluster:
    servers: dict[str, AppServer]
    url: str  # the balancer
    balancer: subprocess.Popen | None
    folder: Path
    procs: list = field(default_factory=list)

    def stop(self) -> None:
        for p in self.procs:
            stop(p)


def start_app_server(name: str, db_url: str, config: Path, folder: Path, extra_env: dict | None = None) -> AppServer:
    copy_dir = folder / f"pg-copy-{name}"  # each server its own folder, as on separate machines
    extra = {"KPI_PG_COPY_DIR": str(copy_dir), **(extra_env or {})}
    # Started, not yet waited for: start_cluster waits for every server once all are starting.
    s = _start_streamlit(
        db_url,
        folder,
        config=config,
        env=extra,
        host="127.0.0.1",
        address="127.0.0.1",
        log=folder / f"streamlit-{name}.log",
        wait=False,
    )
    return AppServer(name, s.url, s.proc, copy_dir, s.log)


def start_cluster(
    db_url: str, config: Path, folder: Path, names=("a", "b"), balancer: bool = True, extra_env: dict | None = None
) -> Cluster:
    """App servers named a, b, … on `db_url`, healthy, and (with `balancer`) HAProxy in front with deploy/haproxy.cfg."""
    folder.mkdir(parents=True, exist_ok=True)
    servers = {n: start_app_server(n, db_url, config, folder, extra_env) for n in names}
    cluster = Cluster(servers, "", None, folder, [s.proc for s in servers.values()])
    try:
        for s in servers.values():
            wait_healthy(s.url, s.proc, s.log)
        if balancer:
            exe = haproxy()
            if exe is None:
                raise FileNotFoundError(HAPROXY_HINT)
            if tuple(names) != ("a", "b"):
                raise ValueError("deploy/haproxy.cfg names two servers, a and b")
            port = free_port()
            env = {
                **os.environ,
                "KPI_LB_BIND": f"127.0.0.1:{port}",
                **{f"KPI_APP_{n.upper()}": s.url.removeprefix("http://") for n, s in servers.items()},
            }
            log = folder / "haproxy.log"
            with open(log, "wb") as out:
                lb = subprocess.Popen([exe, "-db", "-f", str(HAPROXY_CFG)], env=env, stdout=out, stderr=subprocess.STDOUT)
            cluster.procs.append(lb)
            cluster.balancer, cluster.url = lb, f"http://127.0.0.1:{port}"
            for n in names:  # through the balancer, to each server
                wait_healthy(cluster.url, lb, log, headers={"Cookie": f"{SERVER_COOKIE}={n}"})
    except BaseException:
        cluster.stop()
        raise
    return cluster
