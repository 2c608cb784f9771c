"""Text a file or a person can put into the dashboard that would be live if rendered as Markdown or HTML: a figure's
source and note, a file name, an area name (as a DfE release can add) and an indicator name (from the YAML). The
image addresses are 127.0.0.1 on port 9 (discard, closed here), so even a request that got out would go nowhere."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from indicators import config, store, uploads
from tests.conftest import ADMIN, as_user, sample_next

ROOT = Path(__file__).resolve().parent.parent
DURHAM = "E06000047"
EVIL_AREA = "E06000999"
SOURCE = "SEN2 ![b](http://127.0.0.1:9/x.png) [see the official release](https://evil.example/phish)"
NOTE = "<b>bold</b> <a href='https://evil.example/note'>note link</a> :red[alarm] $x^2$ www.evil.example"
AREA_NAME = "Evilshire ![a](http://127.0.0.1:9/area.png) [area](https://evil.example/area) <i>x</i> :material/warning:"
INDICATOR_NAME = 'EHC plans <a href="https://evil.example/ind">in time</a> ![i](http://127.0.0.1:9/ind.png) *20* weeks'
FILE_NAME = "q ![f](http://127.0.0.1:9/file.png) [f](https://evil.example/file).csv"
HOSTS = ("127.0.0.1:9", "evil.example")


def hostile_config(folder: Path) -> Path:
    """The shipped indicators file with ehcp_20wk's name replaced by INDICATOR_NAME."""
    raw = yaml.safe_load((ROOT / "config" / "indicators.yaml").read_text(encoding="utf-8"))
    for ind in raw["indicators"]:
        if ind["id"] == "ehcp_20wk":
            ind["name"] = INDICATOR_NAME
    path = folder / "indicators.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config.load(path)  # the file is valid: only the name is hostile
    return path


def hostile_database(template: Path, folder: Path, cfg) -> Path:
    """A copy of the sample database with EVIL_AREA added and one upload (named FILE_NAME) whose Durham figure is
    published with SOURCE and NOTE and is the latest, so the indicator page quotes the source."""
    db = folder / "hostile.duckdb"
    shutil.copy(template, db)
    conn = store.connect(db)
    try:
        store.add_areas(conn, [(EVIL_AREA, AREA_NAME, "local_authority", None, None)])
        latest = sample_next("ehcp_20wk").label  # after the sample's latest, so it is the latest figure
        csv = (
            f'indicator,area,period,value,note\nehcp_20wk,{DURHAM},{latest},81,"{NOTE}"\n'
            f'ehcp_20wk,{EVIL_AREA},2020-21 Q1,70,"{NOTE}"\nehcp_20wk,{EVIL_AREA},2020-21 Q2,72,\n'
        ).encode()
        result = uploads.check(conn, cfg, csv, FILE_NAME, ADMIN).result
        assert result.ok, [str(p) for p in result.problems]
        rows = result.rows.copy()
        durham = rows["area_code"] == DURHAM
        rows.loc[durham, "figure_type"], rows.loc[durham, "source"] = "published", SOURCE
        store.write_observations(conn, rows, access=as_user("lead@example.org"), kind="upload", file_name=FILE_NAME)
    finally:
        conn.close()
    return db
