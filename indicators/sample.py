"""Fills a new database with the shipped sample data (published figures plus marked illustrative values)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from indicators import ingest, store
from indicators.config import Config


def load_sample(conn, config: Config, csv_path: Path | str = store.SAMPLE_CSV) -> store.WriteSummary:
    """Load the sample CSV through the same validation as any upload, in one transaction."""
    path = Path(csv_path)
    data = path.read_bytes()
    result = ingest.read_file(data, path.name, config, store.areas(conn), default_figure_type="illustrative")
    if not result.ok:
        shown = "\n".join(f"  {p}" for p in result.problems[:20])
        raise store.StoreError(f"The sample data {path} does not match the indicators file:\n{shown}")
    return store.write_observations(conn, result.rows, kind="sample", file_name=f"sample data ({path.name})",
                                    content_hash=hashlib.sha256(data).hexdigest(), user_name="sample data")
