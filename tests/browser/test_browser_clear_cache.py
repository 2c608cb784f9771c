"""Streamlit's clear_cache message, sent the way a client sends it (a BackMsg over the /_stcore/stream websocket, from
a program, not the dashboard's own page), empties nothing the dashboard shares: the pages keep drawing from the one
database connection the process opened (the log says when it opens one)."""

from __future__ import annotations

import shutil
import time

from streamlit.proto.BackMsg_pb2 import BackMsg
from websockets.sync.client import connect

from tests.browser.conftest import UI, streamlit_server


def send_clear_cache(port: int, times: int = 3) -> None:
    """Connect as a client (subprotocol "streamlit", no Origin, no cookie) and send clear_cache."""
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], open_timeout=10) as ws:
        for _ in range(times):
            ws.send(BackMsg(clear_cache=True).SerializeToString())
        time.sleep(1.0)  # the server handles each message on its event loop as it arrives


def test_a_clients_clear_cache_message_does_not_reopen_the_database(sample_db_template, tmp_path, tab):
    db = tmp_path / "kpi.duckdb"
    shutil.copy(sample_db_template, db)
    with streamlit_server(db, tmp_path, host="127.0.0.1") as server:
        ui = UI(tab(1366, 900), server.url)
        ui.open("/", ready="[data-testid=stMetric]")
        opened = server.log.read_text(errors="replace").count("Opened the database")
        assert opened == 1, server.log.read_text(errors="replace")[-2000:]
        send_clear_cache(server.port)
        for path, figures in (
            ("/", "[data-testid=stMetric]"),
            ("/indicator?indicator=ehcp_20wk&area=E06000047", ".js-plotly-plot"),
            ("/exceptions", "table.scorecard"),
        ):
            ui.open(path, ready=figures)  # the page draws its figures
        log = server.log.read_text(errors="replace")
        assert log.count("Opened the database") == 1, log[-2000:]
        assert "Traceback" not in log, log[-2000:]
