"""The command line: init, validate-config, load, list, series — each a thin call into the package."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from indicators import (
    board_paper,
    export,
    markup,
    monitoring,
    official,
    plan,
    readmodel,
    spc,
    spc_series_file,
    store,
    tables,
    uploads,
)
from indicators import config as config_mod
from indicators.access import Forbidden, cli_access
from indicators.problems import MappingError, suggest
from indicators.sample import load_sample
from indicators.validate import area_lookup

EXIT_PROBLEMS, EXIT_CONFIG, EXIT_STORE, EXIT_EXPORT = 1, 2, 3, 4


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _open(cfg, path=None):
    return store.open_store(cfg, path, on_wait=_err, load_sample=lambda c: load_sample(c, cfg))


def cmd_init(args, cfg) -> int:
    path = store.db_path()
    if store.is_postgres_url(path):  # a server database is never deleted from here
        if args.force:
            _err("--force would delete a PostgreSQL database; drop and create it with your database tools instead.")
            return EXIT_PROBLEMS
        conn = _open(cfg)
        n = store.table_counts(conn)["observations"]
        conn.close()
        print(f"The PostgreSQL database is ready with {n} observations (sample data loaded if it was empty).")
        return 0
    if path.exists():
        if not args.force:
            conn = _open(cfg)
            n = store.table_counts(conn)["observations"]
            conn.close()
            print(
                f"The database {path} already exists with {n} observations; nothing changed. Use --force to delete it and start again from the sample data."
            )
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


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as e:
        _err(f"{path}: cannot be read ({e.strerror}); check the path.")
        return None


def _load(args, cfg, **kwargs) -> int:
    """`load` and `import-ees`: check, print every problem or the preview, then write all or nothing."""
    path = Path(args.path)
    data = _read(path)
    if data is None:
        return EXIT_PROBLEMS
    who = cli_access(args.user or store.os_user())
    conn = _open(cfg)
    try:
        preview = uploads.check(conn, cfg, data, path.name, who, **kwargs)
        if not preview.result.ok:
            for p in preview.result.problems:
                print(p)
            _err(f"{path.name}: {len(preview.result.problems)} problem(s); nothing was loaded.")
            return EXIT_PROBLEMS
        for w in preview.warnings:
            print(f"Warning: {w}")
        confirm = getattr(args, "confirm_warnings", False)
        if preview.warnings and not confirm and not args.dry_run:
            _err(
                f"{path.name}: {len(preview.warnings)} figure(s) look mistyped; nothing was loaded. Correct them, or load "
                "again with --confirm-warnings if they are right."
            )
            return EXIT_PROBLEMS
        if args.dry_run and not preview.official:
            print(f"{path.name}: {preview.result.file_kind}, {preview.result.layout_text}.")
            print(f"Dry run: {preview.summary()}; nothing was written.")
            table = uploads.change_table(preview, cfg, limit=None)
            for r in table.itertuples(index=False):
                old = f"{r[4]} ({r[6]}) → " if r.change != "new" else ""
                print(f"  {r.change:<8} {r.indicator_id} {r.area_code} {r.period}: {old}{r[5]} ({r[7]})")
                if r.why:
                    print(f"           why: {r.why}")
            more = preview.counts["new"] + preview.counts["changed"] - len(table)
            if more > 0:
                print(f"  … and {more:,} more (the first {uploads.PREVIEW_ROWS:,} of each kind are listed)")
            return 0
        written = None if args.dry_run or preview.nothing_to_do else uploads.commit(conn, preview, who, confirmed=confirm)
        for line in uploads.summary_lines(preview, written, dry_run=args.dry_run):
            print(line)
        return 0
    finally:
        conn.close()


def cmd_load(args, cfg) -> int:
    return _load(args, cfg)


def cmd_history(args, cfg) -> int:
    conn = _open(cfg)
    try:
        df = uploads.history(conn)
    finally:
        conn.close()
    print(f"{'id':>4}  {'when':<19}  {'kind':<8}  {'who':<16}  {'new':>6} {'changed':>7} {'same':>6}  file / note")
    for r in df.itertuples(index=False):
        what = r.file_name if isinstance(r.file_name, str) else (r.note if isinstance(r.note, str) else "")
        status = f"  [{r.status}]" if r.status else ""
        print(
            f"{r.id:>4}  {str(r.created_at)[:19]:<19}  {r.kind:<8}  {str(r.user_name)[:16]:<16}  {r.rows_new:>6} {r.rows_changed:>7} {r.rows_unchanged:>6}  {what}{status}"
        )
    return 0


def cmd_rollback(args, cfg) -> int:
    conn = _open(cfg)
    try:
        # The command names the upload by its id, so it may also undo the sample data (the page asks for typed words).
        summary = store.rollback(
            conn, args.upload_id, cli_access(args.user or store.os_user()), confirm_sample=store.SAMPLE_CONFIRMATION
        )
    finally:
        conn.close()
    print(f"{summary.note} Recorded as upload {summary.upload_id}.")
    return 0


def _area_code(conn, cfg, area: str | None) -> str | None:
    """An area given by ONS code, name or old LA code (default: the config's); None, and says why, if unknown."""
    code = area_lookup(store.areas(conn), cfg).get((area or cfg.default_area).lower())
    if code is None:
        _err(f'area "{area}" is not known; use an ONS code such as {cfg.default_area}')
    return code


@contextlib.contextmanager
def _area_store(cfg, area: str | None):
    """The store, opened, and the code of the area named (None, having said why, if it is unknown); closed after."""
    conn = _open(cfg)
    try:
        yield conn, _area_code(conn, cfg, area)
    finally:
        conn.close()


def _area_figures(cfg, area: str | None) -> readmodel.AreaFigures | None:
    """The read model for the area named; None, having said why, if it is unknown."""
    with _area_store(cfg, area) as (conn, code):
        return None if code is None else readmodel.figures(conn, cfg, code)


def cmd_template(args, cfg) -> int:
    with _area_store(cfg, args.area) as (conn, code):
        if code is None:
            return EXIT_PROBLEMS
        if args.indicator and args.indicator not in cfg.by_id:
            _err(f'"{args.indicator}" is not a known indicator id{suggest(args.indicator, cfg.by_id.keys())}')
            return EXIT_PROBLEMS
        df = uploads.template_rows(conn, cfg, code, cli_access(store.os_user()), args.indicator)
    sys.stdout.write(uploads.template_csv(df).replace("\r\n", "\n"))
    return 0


def cmd_export(args, cfg) -> int:
    with _area_store(cfg, args.area) as (conn, code):
        if code is None:
            return EXIT_PROBLEMS
        ids = [i.strip() for i in args.indicators.split(",")] if args.indicators else None
        paper = board_paper.Paper(
            meeting=args.meeting, author=args.author or "", purpose=args.purpose, since=_date_arg(args.since, "--since")
        )
        try:
            data = export.export(
                conn,
                cfg,
                args.format,
                code,
                as_of=args.period,
                indicator_ids=ids,
                paper=paper,
                progress=lambda f, msg: _err(f"{f:4.0%}  {msg}"),
            )
        except export.ExportError as e:
            _err(f"The board pack was not made: {e}")
            return EXIT_EXPORT
    Path(args.output).write_bytes(data)
    print(f"Wrote {args.output} ({len(data) / 1e6:.1f} MB).")
    return 0


def cmd_backup(args, cfg) -> int:
    conn = _open(cfg)
    try:
        who = cli_access(store.os_user())
        dest = store.backup(conn, args.output, who) if args.output else store.timed_backup(conn, who)
    finally:
        conn.close()
    print(f"Backed up {store.db_path()} to {dest}.")
    return 0


def cmd_restore(args, cfg) -> int:
    kept = store.restore(args.backup, cli_access(store.os_user()))
    print(
        f"Restored {store.db_path()} from {args.backup}."
        + (f" The database it replaced is kept as {kept}." if kept != store.db_path() else "")
    )
    return 0


def cmd_import_ees(args, cfg) -> int:
    try:
        return _load(args, cfg, kind="official", mapping=args.mapping, release=args.release)
    except MappingError as e:
        _err(str(e))
        return EXIT_CONFIG


def cmd_list(args, cfg) -> int:
    af = _area_figures(cfg, args.area)
    if af is None:
        return EXIT_PROBLEMS
    print(
        f"{af.area.name}: {af.figures_up_to()}. {af.overdue_summary()}"
        + (f" {markup.SAMPLE_BANNER}" if af.illustrative_shown() else "")
    )
    width = max(len(i.id) for i in cfg.indicators)
    print(f"{'indicator'.ljust(width)}  {'period':<12} {'value':>12}  rag")
    for r in af.scorecard.itertuples(index=False):
        print(f"{r.indicator_id.ljust(width)}  {r.period:<12} {r.value_text:>12}  {r.rag_text}  ({r.threshold_text})")
    return 0


def cmd_series(args, cfg) -> int:
    if args.indicator not in cfg.by_id:
        _err(
            f'"{args.indicator}" is not a known indicator id{suggest(args.indicator, cfg.by_id.keys())}; `python -m indicators list` shows them.'
        )
        return EXIT_PROBLEMS
    af = _area_figures(cfg, args.area)
    if af is None:
        return EXIT_PROBLEMS
    if args.indicator not in af.indicators:
        _err(f"{args.indicator} has no figures for {af.area.name}.")
        return EXIT_PROBLEMS
    sys.stdout.write(tables.to_csv(readmodel.series_download(af.indicators[args.indicator]), lineterminator="\n"))
    return 0


def cmd_remind(args, cfg) -> int:
    """E-mail each indicator's contacts the returns due soon or overdue (with the template), and the performance team
    one summary; what was sent is logged in the store, so running it again (from cron) sends nothing new."""
    import datetime as dt

    from indicators import access, remind

    try:
        roles = access.load_roles(cfg)
    except access.RolesError as e:
        _err(str(e))
        return EXIT_CONFIG
    today = dt.date.fromisoformat(args.today) if args.today else dt.date.today()
    settings = None
    if not args.dry_run:
        try:
            settings = remind.smtp_settings()
        except remind.ReminderError as e:
            _err(str(e))
            return EXIT_PROBLEMS
    conn = _open(cfg)
    try:
        planned = remind.plan(conn, cfg, roles, today, args.days_before)
        if not planned:
            print("Nothing to send: every reminder due has been sent already.")
            return 0
        if args.dry_run:
            for r in planned:
                attached = f"; attached: {r.attachment[0]}" if r.attachment else ""
                print(f"Would send to {r.to}: {r.subject}{attached}")
                for line in r.items:
                    print(f"  {line}")
            print(f"Dry run: {len(planned)} e-mail(s) would be sent; nothing was sent or logged.")
            return 0
        outcome = remind.send(conn, planned, roles.reminders.sender, settings)
        for r in outcome.sent:
            print(f"Sent to {r.to}: {r.subject}")
        for r, reason in outcome.failed:
            _err(f"Not sent to {r.to}: {r.subject}: {reason}. It will be tried again on the next run.")
        print(f"{len(outcome.sent)} sent, {len(outcome.failed)} failed.")
        return EXIT_PROBLEMS if outcome.failed else 0
    finally:
        conn.close()


def cmd_plan_import(args, cfg) -> int:
    data = _read(Path(args.path))
    if data is None:
        return EXIT_PROBLEMS
    with _area_store(cfg, args.area) as (conn, code):
        if code is None:
            return EXIT_PROBLEMS
        done, problems = plan.import_file(
            conn, cli_access(args.user or store.os_user()), cfg, code, data, Path(args.path).name, dry_run=args.dry_run
        )
    if problems:
        _err(f"{args.path}: {len(problems)} problem(s); nothing was changed.")
        _err(plan.problems_text(problems))
        return EXIT_PROBLEMS
    prefix = "Dry run, nothing written: would be " if args.dry_run and done.change_id is not None else ""
    print(prefix + done.summary)
    return 0


def cmd_plan_export(args, cfg) -> int:
    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        _err(f"{args.output}: the plan is written as .csv or .xlsx; name the file with one of those endings.")
        return EXIT_PROBLEMS
    with _area_store(cfg, args.area) as (conn, code):
        if code is None:
            return EXIT_PROBLEMS
        data = plan.export_bytes(conn, code, fmt)
        rows = len(plan.frame(conn, code))
    Path(args.output).write_bytes(data)
    print(f"Wrote {args.output}: {rows} row(s), one per action.")
    return 0


def _date_arg(text: str | None, what: str):
    if text is None:
        return None
    d = plan.parse_date(text)
    if d is None:
        raise SystemExit(f'{what} "{text}" is not a date; write it as 2026-04-01 or 1 April 2026.')
    return d


def cmd_plan_report(args, cfg) -> int:
    import datetime as dt

    import pandas as pd

    fmt = Path(args.output).suffix.lower().lstrip(".")
    if fmt not in ("docx", "pdf"):
        _err(f"{args.output}: the report is written as .docx (Word) or .pdf; name the file with one of those endings.")
        return EXIT_PROBLEMS
    start, end = monitoring.default_window(dt.date.today())
    start = _date_arg(args.start, "--from") or start
    if args.start and not args.end:  # six months from the first day given
        end = (pd.Timestamp(start) + pd.DateOffset(months=6) - pd.Timedelta(days=1)).date()
    end = _date_arg(args.end, "--to") or end
    with _area_store(cfg, args.area) as (conn, code):
        if code is None:
            return EXIT_PROBLEMS
        try:
            report = monitoring.build(conn, cfg, code, start, end)
        except monitoring.ReportError as e:
            _err(f"The report was not made: {e}")
            return EXIT_PROBLEMS
    data = monitoring.to_docx(report) if fmt == "docx" else monitoring.to_pdf(report)
    Path(args.output).write_bytes(data)
    print(f"Wrote {args.output}: {report.area_name}, {report.window_text}, {len(report.sections)} area(s) for improvement.")
    return 0


COMMANDS = {
    "init": (cmd_init, "create the database (KPI_DB, default data/kpi.duckdb) and load the sample data"),
    "validate-config": (cmd_validate_config, "check an indicators file and list every problem"),
    "load": (cmd_load, "load a long CSV (indicator,area,period,value[,numerator,denominator,note]) all-or-nothing"),
    "history": (cmd_history, "list every upload: file, content hash, who, when, rows new/changed/unchanged"),
    "rollback": (cmd_rollback, "undo one upload, restoring exactly the figures it replaced"),
    "template": (cmd_template, "print a CSV template of the figures due, for one indicator or all"),
    "export": (cmd_export, "write the board pack as PowerPoint or PDF: title, scorecard, exceptions, one slide per indicator"),
    "backup": (cmd_backup, "copy the database consistently (default: into data/backups/, keeping the newest 14)"),
    "restore": (cmd_restore, "replace the database with a backup (stop the dashboard first); the replaced file is kept"),
    "import-official": (
        cmd_import_ees,
        "import official statistics: a DfE release zip or CSV, NHS England Autism Statistics (CSV or .csv.gz) or a CHS "
        "waiting-list workbook (.xlsx); the source and layout are detected",
    ),
    "import-ees": (cmd_import_ees, "the same as import-official (its earlier name, kept)"),
    "spc": (
        lambda args, cfg: run_spc(args),
        "XmR (SPC) analysis of a CSV of period,value, printed as JSON (Making Data Count rules)",
    ),
    "remind": (cmd_remind, "e-mail reminders of returns due soon or overdue (KPI_SMTP_URL); safe to run twice"),
    "list": (cmd_list, "list the indicators with their latest value and RAG for an area"),
    "series": (cmd_series, "print one indicator's series for one area as CSV"),
    "plan-import": (cmd_plan_import, "import an improvement plan spreadsheet (.csv or .xlsx, one row per action) all-or-nothing"),
    "plan-export": (
        cmd_plan_export,
        "write an area's improvement plan as a spreadsheet (.csv or .xlsx) in the shape plan-import reads",
    ),
    "plan-report": (cmd_plan_report, "write the six-monthly monitoring report for the DfE and NHS England (.docx or .pdf)"),
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
    p.add_argument("--confirm-warnings", action="store_true", help="load figures that look mistyped (0.8 for 80%%) as they are")
    sub.add_parser("history", help=COMMANDS["history"][1])
    p = sub.add_parser("rollback", help=COMMANDS["rollback"][1])
    p.add_argument("upload_id", type=int, metavar="ID")
    p.add_argument("--user", default=None, help="who is rolling back (default: your login name)")
    p = sub.add_parser("template", help=COMMANDS["template"][1])
    p.add_argument("--indicator", default=None, help="one indicator id (default: every indicator's latest period due)")
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p = sub.add_parser("export", help=COMMANDS["export"][1])
    p.add_argument("--format", choices=["pptx", "pdf"], required=True)
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p.add_argument(
        "--period", default=None, help='figures up to the end of this period, e.g. "2019-20 Q4" (default: the latest held)'
    )
    p.add_argument(
        "--indicators",
        default=None,
        help="comma-separated indicator ids, or all for a page per indicator (default: a page per exception and headline indicator)",
    )
    p.add_argument("--meeting", default=board_paper.DEFAULT_MEETING, help="the meeting, for the cover sheet")
    p.add_argument("--author", default=None, help="the author, for the cover sheet")
    p.add_argument("--purpose", choices=board_paper.PURPOSES, default=board_paper.PURPOSES[0], help="for the cover sheet")
    p.add_argument(
        "--since", default=None, metavar="DATE", help="the last meeting: what changed after it is listed (default: 91 days ago)"
    )
    p.add_argument("-o", "--output", required=True, help="the file to write")
    p = sub.add_parser("backup", help=COMMANDS["backup"][1])
    p.add_argument("-o", "--output", default=None, help="the backup file to write (default: a dated file in the backup folder)")
    p = sub.add_parser("restore", help=COMMANDS["restore"][1])
    p.add_argument("backup", help="the backup file")
    for command in ("import-official", "import-ees"):
        _official_arguments(sub.add_parser(command, help=COMMANDS[command][1]))
    p = sub.add_parser("spc", help=COMMANDS["spc"][1])
    spc_arguments(p)
    p = sub.add_parser("remind", help=COMMANDS["remind"][1])
    p.add_argument("--dry-run", action="store_true", help="print what would be sent; send and log nothing")
    p.add_argument(
        "--days-before", type=int, default=None, help="remind this many days before a return is due (default: roles.yaml)"
    )
    p.add_argument("--today", default=None, metavar="YYYY-MM-DD", help="run as on this date (default: today)")
    p = sub.add_parser("list", help=COMMANDS["list"][1])
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p = sub.add_parser("series", help=COMMANDS["series"][1])
    p.add_argument("indicator")
    p.add_argument("--area", required=True, help="ONS code or name, e.g. E06000047")
    p = sub.add_parser("plan-import", help=COMMANDS["plan-import"][1])
    p.add_argument("path", metavar="PATH")
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p.add_argument("--dry-run", action="store_true", help="check and count what would change, write nothing")
    p.add_argument("--user", default=None, metavar="NAME", help="who is importing (default: your login name)")
    p = sub.add_parser("plan-export", help=COMMANDS["plan-export"][1])
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p.add_argument("-o", "--output", required=True, help="the file to write: .csv or .xlsx")
    p = sub.add_parser("plan-report", help=COMMANDS["plan-report"][1])
    p.add_argument("--area", default=None, help="ONS code or name (default: the config's default area)")
    p.add_argument(
        "--from", dest="start", default=None, metavar="DATE", help="the window's first day (default: the last complete half-year)"
    )
    p.add_argument(
        "--to", dest="end", default=None, metavar="DATE", help="the window's last day (default: six months from --from)"
    )
    p.add_argument("-o", "--output", required=True, help="the file to write: .docx or .pdf")
    return parser


def _mapping_names() -> str:
    """The registry's mapping names for --help; a broken mapping is said there, not raised (help must always work)."""
    try:
        return ", ".join(official.mapping_names())
    except MappingError as e:
        return f"one is broken: {e}"


def _official_arguments(p) -> None:
    """import-official and import-ees (its earlier name) take the same arguments."""
    p.add_argument(
        "path",
        metavar="PATH",
        help="the release zip as downloaded from explore-education-statistics.service.gov.uk "
        '("Download all data"), any CSV in it, or an NHS England file as published (Autism Statistics CSV or .csv.gz, '
        "CHS waiting-list workbook .xlsx)",
    )
    p.add_argument(
        "--mapping",
        default=None,
        metavar="NAME",
        help=f"read the file with this mapping in config/ees/ or config/nhs/ ({_mapping_names()}); "
        "default: detected from the file",
    )
    p.add_argument(
        "--release",
        default=None,
        metavar="YEAR",
        help="the release, e.g. \"2026\" (default: for DfE files from the zip's name, its data guidance or the file's name, "
        "guessed from the latest figures only when none says and refused if that guess is older than a stored release; "
        "for NHS files the latest month)",
    )
    p.add_argument("--dry-run", action="store_true", help="check and show what would change, write nothing")
    p.add_argument("--user", default=None, metavar="NAME", help="who is importing (default: your login name)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        cfg = None if args.command in ("validate-config", "spc") else config_mod.load()
        return COMMANDS[args.command][0](args, cfg)
    except config_mod.ConfigError as e:
        _err(str(e))
        return EXIT_CONFIG
    except store.StoreError as e:
        _err(str(e))
        return EXIT_STORE
    except Forbidden as e:
        _err(str(e))
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        _err("Stopped; nothing was written by the interrupted command.")
        return 130


# ---------------------------------------------------------------- the spc command


def spc_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the `spc` command's arguments to `parser` (a subparser); run it with `run_spc(args)`."""
    d = spc.SpcSettings()
    parser.add_argument("file", metavar="FILE", help="CSV with columns period,value, one row per period in time order")
    parser.add_argument(
        "--improvement",
        required=True,
        choices=(spc.INCREASE, spc.DECREASE),
        help="which direction is improvement: increase (higher is better) or decrease (lower is better)",
    )
    parser.add_argument("--target", type=float, default=None, metavar="X", help="target value, for the assurance")
    parser.add_argument(
        "--rebase-at",
        action="append",
        default=None,
        metavar="PERIOD",
        help="start new limits at this period, e.g. when a new service started (repeatable)",
    )
    parser.add_argument(
        "--baseline", type=int, default=None, metavar="N", help="fix each segment's mean and limits from its first N values"
    )
    parser.add_argument(
        "--screen",
        action=argparse.BooleanOptionalAction,
        default=d.screen_moving_ranges,
        help=f"drop moving ranges of at least {spc.SCREEN_FACTOR} × the mean moving range before computing limits "
        "(default: no screening, as the Making Data Count tool)",
    )
    whole_numbers = (
        ("--run-length", d.run_length, "points in a row on one side of the mean that make a run"),
        ("--trend-length", d.trend_length, "points in a row rising or falling that make a trend"),
        ("--min-points", d.min_points, "analyse a series with at least N values"),
    )
    for option, default, words in whole_numbers:
        more = (
            ", Making Data Count's advice); with fewer than that the JSON carries a warning" if option == "--min-points" else ")"
        )
        parser.add_argument(option, type=int, default=default, metavar="N", help=f"{words} (default {default}{more}")
    return parser


def run_spc(args: argparse.Namespace) -> int:
    """Analyse args.file and print the JSON to stdout; print problems to stderr and return 1."""
    err = sys.stderr
    try:
        settings = spc.SpcSettings(
            run_length=args.run_length,
            trend_length=args.trend_length,
            screen_moving_ranges=args.screen,
            min_points=args.min_points,
        )
    except spc.SpcSettingError as e:
        option = {"screen_moving_ranges": "screen"}.get(e.field, e.field).replace("_", "-")
        print(f"--{option}: {e.message}", file=err)
        return 1
    try:
        periods, values = spc_series_file.read_series_csv(args.file)
    except spc_series_file.SeriesFileError as e:
        for problem in e.problems:
            print(problem, file=err)
        return 1
    try:
        result = spc.analyse(
            values,
            periods,
            improvement=args.improvement,
            target=args.target,
            rebase_at=args.rebase_at or (),
            baseline=args.baseline,
            settings=settings,
        )
        for warning in result.warnings:
            print(f"warning: {warning}", file=err)
    except spc.SpcSettingError as e:
        print(f"--{e.field}: {e.message}", file=err)
        return 1
    except ValueError as e:  # NotEnoughPoints included
        print(f"{Path(args.file).name}: {e}", file=err)
        return 1
    print(result.to_json())
    return 0
