"""The Upload, My uploads / Upload history and Returns pages as a lead and the performance team read them (AppTest)."""

import re

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.return_files import salt_workbook


def unplain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).replace("\u2060", "")


def apptest():
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def test_upload_page_says_where_the_header_was_and_asks_to_confirm_a_slip(db_path):
    at = apptest()
    at.run()
    at.switch_page("pages/upload_page.py").run()
    at.file_uploader[0].upload("salt.xlsx", salt_workbook(values=(0.008, 0.7804)), "application/octet-stream")
    at.run()
    assert not at.exception
    info = unplain(at.info[0].value)
    assert 'Header found in row 3; rows 1–2 ignored (row 1 "SALT quarterly return Q2 2026-27"; row 2 blank).' in info
    # 0.008 in a percentage-formatted cell is 0.8: a slip to confirm, and Confirm waits for the tick.
    warning = unplain(at.warning[0].value)
    assert "1 figure(s) look mistyped." in warning and "0.8 — did you mean 80%?" in warning
    confirm = at.button(key="confirm")
    assert confirm.disabled
    changed = next(t.value for t in at.table if "why it changes" in t.value.columns)
    assert {k: unplain(v) for k, v in changed.iloc[0].to_dict().items()} == {
        "indicator": "SALT routine referrals seen and assessed within 6 weeks",
        "area": "County Durham",
        "period": "August 2026",
        "old value": "78%",
        "new value": "78.04% (shown as 78%)",
        "old RAG": unplain(changed.iloc[0]["old RAG"]),
        "new RAG": unplain(changed.iloc[0]["new RAG"]),
        "why it changes": "changed in the 2nd decimal: 78 → 78.04; note removed; was illustrative, now submitted",
    }
    at.checkbox[0].check().run()
    assert not at.button(key="confirm").disabled
    at.button(key="confirm").click().run()
    assert re.match(r"Loaded salt.xlsx as upload \d+: 1 new, 1 changed", unplain(at.success[0].value))

    at.switch_page("pages/history_page.py").run()
    assert not at.exception
    assert unplain(at.table[0].value.iloc[0]["File"]) == "salt.xlsx" and at.table[0].value.iloc[0]["Status and note"] == ""
    assert len(at.table) == 1, "an upload's figures are drawn only when its row is opened"
    upload = int(at.table[0].value.iloc[0]["Upload"])
    at.session_state[f"upload_figures_{upload}"] = True  # as a click on "Upload N: salt.xlsx …" opens it
    at.run()
    figures = at.table[1].value
    assert [unplain(x) for x in figures["figure loaded"]] == ["78.04% (shown as 78%)", "0.8% (shown as 1%)"]

    at.switch_page("pages/returns_page.py").run()
    assert not at.exception
    assert at.title[0].value == "Returns — County Durham"
    assert [m.label for m in at.metric] == ["✖ Missing", "▲ Received late", "◷ Due", "✔ Received"]
