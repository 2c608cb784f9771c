"""Any client may send Streamlit's clear_cache message; AppSession._handle_clear_cache_request then empties
st.cache_data and st.cache_resource for the whole process. The dashboard keeps its connection, config and figures out
of those caches, so the message costs nothing shared. Here Streamlit's own handler is called on a real AppSession, as
Streamlit's tests do; tests/browser/test_browser_clear_cache.py sends it over a real websocket."""

import asyncio
import threading

import streamlit as st
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner.script_cache import ScriptCache
from streamlit.testing.v1 import AppTest

from pages import common
from tests.conftest import ROOT

calls = []


@st.cache_resource
def probe():
    """Something in Streamlit's own cache, to show the message really emptied it."""
    calls.append(1)
    return object()


def test_a_clients_clear_cache_leaves_the_connection_config_and_figures_alone(db_path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and at.title[0].value == "SEND scorecard — County Durham"
    conn_before = dict(common._connection._values)
    config_before = dict(common._config._values)
    figures_before = dict(common.cached_figures._values)
    assert conn_before and config_before and figures_before
    probe()

    async def a_client_sends_clear_cache():
        # An AppSession lives on the server's event loop; the websocket handler passes it each BackMsg like this.
        session = AppSession(
            ScriptData(str(ROOT / "app.py"), is_hello=False),
            MemoryUploadedFileManager("/_stcore/upload_file"),
            ScriptCache(),
            None,
            {},
        )
        try:
            session.handle_backmsg(BackMsg(clear_cache=True))
        finally:
            session.shutdown()

    # On a thread of its own: the server's loop is not this thread's (Playwright's sync API may have one running here).
    done = []
    sender = threading.Thread(target=lambda: done.append(asyncio.run(a_client_sends_clear_cache()) or True))
    sender.start()
    sender.join(60)
    assert done == [True]

    probe()
    assert len(calls) == 2, "the message did not reach Streamlit's caches"
    assert {k: id(v) for k, v in common._connection._values.items()} == {k: id(v) for k, v in conn_before.items()}
    assert {k: id(v) for k, v in common._config._values.items()} == {k: id(v) for k, v in config_before.items()}
    assert common.cached_figures._values.keys() >= figures_before.keys()
    at.run()  # and the page still draws, from the same connection
    assert not at.exception and at.title[0].value == "SEND scorecard — County Durham"
    assert {k: id(v) for k, v in common._connection._values.items()} == {k: id(v) for k, v in conn_before.items()}
