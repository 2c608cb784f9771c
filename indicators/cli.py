"""The command line: init, validate-config, load, list, series — each a thin call into the package."""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from indicators import config as config_mod
from indicators import ingest, rag, scorecard, store
from indicators.sample import load_sample

EXIT_PROBLEMS, EXIT_CONFIG, EXIT_STORE = 1, 2, 3


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _open(cfg, path=None):
    return store.open_store(cfg, path, on_wait=_err, load_sample=lambda c: load_sample(c, cfg))


def cmd_init(args, cfg) -> int:
    path = store.db_path()
    if path.exists():
        if not args.force:
            conn = _open(cfg)
            n = store.table_counts(conn)["observations"]
            conn.close()
            print(f"The database {path} already exists with {n} observations; nothing changed. Use --force to delete it and start again from the sample data.")
            return 0
        path.unlink()
        Path(str(path) + ".wal").unlink(missing_ok=True)
    conn = _open(cfg)
    counts = store.table_counts(conn)
    conn.close()
    print(f"Created {path}: {counts['observations']} observations for {counts['areas']} areas from the sample data.")
    return 0


def cmd_validate_config(args, cfg_unused) -> int:
    cfg = config_mod.load(args.path)  # ConfigError is reported by main()
    print(f"{args.path or config_mod.config_path()}: OK — {len(cfg.indicators)} indicators, {len(cfg.areas)} areas.")
    return 0


def cmd_load(args, cfg) -> int:
    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as e:
        _err(f"{path}: cannot be read ({e.strerror}); check the path.")
        return EXIT_PROBLEMS
    conn = _open(cfg)
    try:
        result = ingest.read_file(data, path.name, cfg, store.areas(conn))
        if not result.ok:
            for p in result.problems:
                print(p)
            _err(f"{path.name}: {len(result.problems)} problem(s); nothing was loaded.")
            return EXIT_PROBLEMS
        compared = store.diff(conn, result.rows)
        counts = compared["change"].value_counts()
        new, changed, unchanged = (int(counts.get(k, 0)) for k in ("new", "changed", "unchanged"))
        if args.dry_run:
            print(f"Dry run: {new} new, {changed} changed, {unchanged} unchanged; nothing was written.")
            for r in compared[compared["change"] == "changed"].itertuples(index=False):
                ind = cfg.by_id[r.indicator_id]
                print(f"  changed {r.indicator_id} {r.area_code} {r.period}: "
                      f"{rag.format_value(ind, r.old_value, r.old_marker)} → {rag.format_value(ind, r.value, r.marker)}")
            return 0
        summary = store.write_observations(conn, result.rows, kind="upload", file_name=path.name,
                                           content_hash=hashlib.sha256(data).hexdigest(), user_name=args.user)
        if summary.upload_id is None:
            print(f"{path.name}: every figure is already stored ({summary.unchanged} unchanged); nothing was written.")
        else:
            print(f"{path.name}: loaded as upload {summary.upload_id}: {summary.new} new, {summary.changed} changed, {summary.unchanged} unchanged.")
        return 0
    finally:
        conn.close()


def cmd_list(args, cfg) -> int:
    conn = _open(cfg)
    try:
        area = args.area or cfg.default_area
        code = ingest.area_lookup(store.areas(conn)).get(area.lower())
        if code is None:
            _err(f'area "{area}" is not known; use an ONS code such as {cfg.default_area}')
            return EXIT_PROBLEMS
        df = scorecard.scorecard(conn, cfg, code)
    finally:
        conn.close()
    width = max(len(i.id) for i in cfg.indicators)
    print(f"{'indicator'.ljust(width)}  {'period':<12} {'value':>12}  rag")
    for r in df.itertuples(index=False):
        print(f"{r.indicator_id.ljust(width)}  {r.period:<12} {r.value_text:>12}  {r.rag_text}")
    return 0


def cmd_series(args, cfg) -> int:
    if args.indicator not in cfg.by_id:
        _err(f'"{args.indicator}" is not a known indicator id{ingest.suggest(args.indicator, cfg.by_id.keys())}; `python -m indicators list` shows them.')
        return EXIT_PROBLEMS
    conn = _open(cfg)
    try:
        code = ingest.area_lookup(store.areas(conn)).get(args.area.lower())
        if code is None:
            _err(f'area "{args.area}" is not known; use an ONS code such as {cfg.default_area}')
            return EXIT_PROBLEMS
        df = scorecard.series_table(conn, cfg, cfg.by_id[args.indicator], code)
    finally:
        conn.close()
    sys.stdout.write(scorecard.series_csv(df))
    return 0


COMMANDS = {
    "init": (cmd_init, "create the database (KPI_DB, default data/kpi.duckdb) and load the sample data"),
    "validate-config": (cmd_validate_config, "check an indicators file and list every problem"),
    "load": (cmd_load, "load a long CSV (indicator,area,period,value[,numerator,denominator,note]) all-or-nothing"),
    "list": (cmd_list, "list the indicators with their latest value and RAG for an area"),
    "series": (cmd_series, "print one indicator's series for one area as CSV"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indicators", description="SEND performance dashboard: data tools.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help=COMMANDS["init"][1])
    p.add_argument("--force", action="store_true", help="delete an existing database first")
    p = sub.add_parser("validate-config", help=COMMANDS["validate-config"][1])
    p.add_argument("path", nargs="?", help="the indicators file (default KPI_CONFIG or config/indicators.yaml)")
    p = sub.add_parser("load", help=COMMANDS["load"][1])
    p.add_argument("path")
    p.add_argument("--dry-run", action="store_true", help="check and show what would change, write nothing")
    p.add_argument("--user", default=None, help="who is loading (default: your login name)")
    p = sub.add_parser("list", help=COMMANDS["list"][1])
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p = sub.add_parser("series", help=COMMANDS["series"][1])
    p.add_argument("indicator")
    p.add_argument("--area", required=True, help="ONS code or name, e.g. E06000047")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = None if args.command == "validate-config" else config_mod.load()
        return COMMANDS[args.command][0](args, cfg)
    except config_mod.ConfigError as e:
        _err(str(e))
        return EXIT_CONFIG
    except store.StoreError as e:
        _err(str(e))
        return EXIT_STORE
    except KeyboardInterrupt:
        _err("Stopped; nothing was written by the interrupted command.")
        return 130
