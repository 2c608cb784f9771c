"""What a first start loads: the official statistics shipped in data/official/ (real DfE releases, for every local
authority, region and England, the DfE's statistical neighbours model, and NHS England's autism and community health
waiting statistics) and the sample local figures (published
figures from the area's own documents plus illustrative values, each marked). Every file goes through the same
readers, validator and writer as an upload."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from indicators import neighbours, plan, plan_store, store, uploads
from indicators.access import system_access
from indicators.config import ROOT, Config

SAMPLE_USER = "sample data"
OFFICIAL_USER = "official data shipped with the dashboard"
OFFICIAL_DIR = ROOT / "data" / "official"
# Oldest release first: a newer release then revises what an older one said, as the DfE did.
OFFICIAL_FILES = (
    "sen2/sen2_mi_2023-release.csv",
    "sen2/education-health-and-care-plans_2025.zip",
    "neet/neet_participation_la_2022.csv",
    "neet/neet_participation_la_2025.csv",
    # NHS England, as published: Autism Statistics by sub-ICB location (July–September 2022) and the community health
    # services waiting-list workbooks of March 2023 (January's figures) and August 2023 (June's).
    "nhs/AutismStatsDec22_subICB.csv.gz",
    "nhs/community_health_2023-03-01.xlsx",
    "nhs/community_health_2023-08-01.xlsx",
)
NEIGHBOURS_FILE = "sn-model-long.csv"
# The balanced provider scorecard's sample returns (all illustrative), loaded with the sample data in one upload.
PROVIDER_SAMPLE = ROOT / "data" / "sample" / "provider_scorecard.csv"
# An illustrative improvement plan for County Durham, built from its 2024 inspection's four areas for improvement (the
# areas are quoted from the report; the actions, owners, dates, milestones and updates are made up), with its updates.
SAMPLE_PLAN = ROOT / "data" / "sample" / "plan.csv"
SAMPLE_PLAN_UPDATES = ROOT / "data" / "sample" / "plan_updates.csv"
SAMPLE_PLAN_AREA = "E06000047"


def load_official(conn, config: Config, folder: Path = OFFICIAL_DIR) -> list[store.WriteSummary]:
    """Import the shipped DfE releases and the statistical neighbours model."""
    who = system_access(OFFICIAL_USER)
    done = []
    for name in OFFICIAL_FILES:
        path = folder / name
        preview = uploads.check(conn, config, path.read_bytes(), path.name, who, kind="official")
        if not preview.result.ok:
            shown = "\n".join(f"  {p}" for p in preview.result.problems[:20])
            raise store.StoreError(f"The official data {path} shipped with the dashboard cannot be loaded:\n{shown}")
        done.append(uploads.commit(conn, preview, who))
    rows, problems = neighbours.read((folder / NEIGHBOURS_FILE).read_bytes(), NEIGHBOURS_FILE)
    if problems:
        raise store.StoreError(f"The statistical neighbours file {folder / NEIGHBOURS_FILE} cannot be loaded: {problems[0]}")
    store.replace_neighbours(conn, rows, who)
    return done


def load_sample(
    conn, config: Config, csv_path: Path | str = store.SAMPLE_CSV, *, with_official_data: bool = True
) -> store.WriteSummary:
    """A first start: the official data, then the sample CSV of local figures, each in its own transaction."""
    if with_official_data:
        load_official(conn, config)
    path = Path(csv_path)
    who = system_access(SAMPLE_USER)
    data = path.read_bytes()
    if path == Path(store.SAMPLE_CSV) and PROVIDER_SAMPLE.exists():  # the same columns: its rows follow the header
        data = data.rstrip(b"\n") + b"\n" + PROVIDER_SAMPLE.read_bytes().split(b"\n", 1)[1]
    preview = uploads.check(conn, config, data, f"sample data ({path.name})", who, default_figure_type="illustrative")
    if not preview.result.ok:
        shown = "\n".join(f"  {p}" for p in preview.result.problems[:20])
        raise store.StoreError(f"The sample data {path} does not match the indicators file:\n{shown}")
    done = store.write_observations(
        conn, preview.to_write, access=who, kind="sample", file_name=preview.file_name, content_hash=preview.content_hash
    )
    if path.resolve() == Path(store.SAMPLE_CSV).resolve():
        load_sample_plan(conn, config)
    return done


def load_sample_plan(conn, config: Config) -> None:
    """The illustrative plan (marked illustrative in the store) through the plan importer, then its progress updates."""
    who = system_access(SAMPLE_USER)
    read, problems = plan.read_file(SAMPLE_PLAN.read_bytes(), SAMPLE_PLAN.name, config)
    if problems:
        raise store.StoreError(f"The sample plan {SAMPLE_PLAN} cannot be loaded:\n" + plan.problems_text(problems[:20]))
    for row in read.afis + read.actions:
        row["illustrative"] = True
    plan_store.write_plan(
        conn, who, SAMPLE_PLAN_AREA, afis=read.afis, actions=read.actions, links=read.links, kind="sample",
        file_name=f"sample plan ({SAMPLE_PLAN.name})",
    )  # fmt: skip
    for r in csv.DictReader(io.StringIO(SAMPLE_PLAN_UPDATES.read_text(encoding="utf-8"))):
        plan_store.post_update(
            conn, system_access(r["author"]), SAMPLE_PLAN_AREA, r["action"], update_date=dt.date.fromisoformat(r["date"]),
            status=r["status"], progress=r["progress"], evidence=r["evidence"],
        )  # fmt: skip
