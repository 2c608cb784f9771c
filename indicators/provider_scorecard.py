"""The balanced provider scorecard (Durham's joint commissioning group, 2018): each commissioned provider's measures,
grouped under finance, service-user experience, service delivery, safeguarding and provider-market health, each with
its latest quarter's RAG, the trend against the quarter before, and the commentary sent with the return. One query."""

from __future__ import annotations

import pandas as pd

from indicators import periods, rag, store
from indicators.cells import clean
from indicators.config import DOMAINS, Config

# A domain's summary is its worst measure: the order of "worse" (no figure is reported, not hidden).
WORST_FIRST = [rag.RED, rag.AMBER, rag.GREEN, rag.NO_TARGET, rag.NO_DATA]


def providers(config: Config, area_code: str) -> list[tuple[str, str]]:
    """(code, name) of the providers on an area's scorecard, as the areas file lists them."""
    by_code = {a.code: a for a in config.areas}
    area = by_code.get(area_code)
    return [(c, by_code[c].name) for c in (area.commissioned if area else [])]


def measures(config: Config) -> list:
    return [i for i in config.indicators if i.domain is not None]


def provider_rows(conn, config: Config, area_code: str) -> pd.DataFrame:
    """One row per provider and measure: domain, latest quarter, value, RAG, trend and commentary (the return's note)."""
    chosen = providers(config, area_code)
    inds = measures(config)
    if not chosen or not inds:
        return pd.DataFrame(columns=ROW_COLUMNS)
    obs = store.observations_of(conn, [c for c, _ in chosen], [i.id for i in inds])
    out = []
    for code, name in chosen:
        mine = obs[obs["area_code"] == code]
        for ind in inds:
            held = mine[mine["indicator_id"] == ind.id]
            base = {"provider": code, "provider_name": name, "domain": ind.domain, "domain_name": DOMAINS[ind.domain]}
            base |= {"indicator_id": ind.id, "measure": ind.name}
            if held.empty:
                out.append(base | _no_figure())
                continue
            last = held.iloc[-1]
            p = periods.parse(last["period"], ind.period_type)
            value = clean(last["value"])
            status = rag.status(ind, p, value)
            trend = "– No earlier quarter"
            if len(held) > 1:
                before = held.iloc[-2]
                if before["period"] == periods.shift(p, -1).label and clean(before["value"]) is not None and value is not None:
                    trend = rag.DIRECTION_TEXT[rag.direction(ind, value, clean(before["value"]))]
                else:
                    trend = f"– No figure for {periods.shift(p, -1).display}"
            note = clean(last["note"]) or ""
            out.append(
                base
                | {
                    "period": last["period"],
                    "period_display": p.display,
                    "value_text": rag.format_value(ind, value, clean(last["marker"])),
                    "status": status,
                    "rag_text": rag.BADGES[status].text,
                    "threshold": rag.rule_text(ind),
                    "trend": trend,
                    "commentary": "" if note == "Illustrative: synthetic" else note,
                    "figure_type": last["figure_type"],
                    "spark": [clean(v) for v in held["value"].tail(8)],
                }
            )
    return pd.DataFrame(out, columns=ROW_COLUMNS)


ROW_COLUMNS = [
    "provider",
    "provider_name",
    "domain",
    "domain_name",
    "indicator_id",
    "measure",
    "period",
    "period_display",
    "value_text",
    "status",
    "rag_text",
    "threshold",
    "trend",
    "commentary",
    "figure_type",
    "spark",
]


def _no_figure() -> dict:
    return {
        "period": None,
        "period_display": "",
        "value_text": "no figure",
        "status": rag.NO_DATA,
        "rag_text": rag.BADGES[rag.NO_DATA].text,
        "threshold": "",
        "trend": "",
        "commentary": "",
        "figure_type": "",
        "spark": [],
    }


def grid(rows: pd.DataFrame) -> pd.DataFrame:
    """Provider × domain: each cell the domain's worst RAG in words, with how many of its measures are at it, e.g.
    "✖ Red (1 of 2 red)"; reads without colour. A `status` per cell is kept for colouring."""
    out = []
    for (code, name), g in rows.groupby(["provider", "provider_name"], sort=False):
        row = {"provider": code, "Provider": name}
        quarters = [q for q in g["period_display"] if q]
        row["Latest quarter"] = max(quarters, key=lambda d: g.loc[g["period_display"] == d, "period"].iloc[0]) if quarters else ""
        for domain, words in DOMAINS.items():
            d = g[g["domain"] == domain]
            if d.empty:
                row[words], row[f"{domain}_status"] = "", rag.NO_DATA
                continue
            worst = min(d["status"], key=WORST_FIRST.index)
            n = int((d["status"] == worst).sum())
            label = rag.BADGES[worst].text
            row[words] = f"{label} ({n} of {len(d)} {label.split(' ', 1)[1].lower()})" if len(d) > 1 else label
            row[f"{domain}_status"] = worst
        out.append(row)
    return pd.DataFrame(out)


def grid_html(table: pd.DataFrame, link: str = "providers?provider=") -> str:
    """The grid as an HTML table: a caption, headers with scope, each provider's name a link to its own page, each
    cell its RAG badge (word and symbol on the RAG colour) and how many measures are at it."""
    from indicators.markup import esc, rag_badge_html

    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in ["Provider", "Latest quarter", *DOMAINS.values()])
    body = []
    for r in table.to_dict("records"):
        cells = []
        for domain, words in DOMAINS.items():
            text = r[words]
            count = text.split(" (", 1)[1].rstrip(")") if " (" in text else ""
            cells.append(f"<td>{rag_badge_html(r[f'{domain}_status'])}<br><span>{esc(count)}</span></td>")
        body.append(
            f'<tr><th scope="row"><a href="{esc(link + r["provider"])}" target="_self">{esc(r["Provider"])}</a></th>'
            f"<td>{esc(r['Latest quarter'])}</td>{''.join(cells)}</tr>"
        )
    return (
        "<div class='scorecard-wrap' role='region' aria-label='Provider scorecard' tabindex='0'>"
        '<table class="provider-grid"><caption>Every commissioned provider by the five domains: each cell is the domain\'s '
        "worst RAG in its latest quarter, with how many of its measures are at it.</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def measures_html(rows: pd.DataFrame) -> str:
    """A provider's own page: its measures under each domain, each with quarter, figure, RAG, trend and commentary."""
    from indicators.markup import esc, figure_type_html, rag_badge_html

    parts = []
    for domain, words in DOMAINS.items():
        d = rows[rows["domain"] == domain]
        if d.empty:
            continue
        head = "".join(
            f'<th scope="col">{h}</th>'
            for h in ("Measure", "Quarter", "Figure", "RAG", "Trend (on the quarter before)", "Commentary")
        )
        trs = "".join(
            f'<tr><th scope="row">{esc(r.measure)}</th><td>{esc(r.period_display)}</td>'
            f"<td>{esc(r.value_text)} {figure_type_html(r.figure_type, None)}</td>"
            f"<td>{rag_badge_html(r.status)}<br><small>{esc(r.threshold)}</small></td>"
            f"<td>{esc(r.trend)}</td><td>{esc(r.commentary) or '–'}</td></tr>"
            for r in d.itertuples(index=False)
        )
        parts.append(
            f"<h2>{esc(words)}</h2><div class='scorecard-wrap' role='region' aria-label='{esc(words)}' tabindex='0'>"
            f"<table class='provider-measures'><caption>{esc(words)}: each measure's latest quarter"
            f"</caption><thead><tr>{head}</tr></thead><tbody>{trs}</tbody></table></div>"
        )
    return "".join(parts)
