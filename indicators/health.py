"""A council's NHS partners: which NHS area's figures stand for the council on an NHS indicator (its sub-ICB location
or main provider, else its ICB when they published nothing), and what that area covers, said in words. Nothing is
apportioned: a provider serving two councils is shown as the provider, and the page says so."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.config import LEVEL_NAMES, Config, Indicator
from indicators.problems import join_words


@dataclass(frozen=True)
class StandIn:
    code: str  # the NHS area whose figures are shown
    name: str
    icb: str | None  # its ICB, and the ICB's NHS region: comparators
    nhs_region: str | None
    coverage: str  # what the area covers, and why it stands for the council, in words
    brief: str = ""  # the same in a line, for a board pack page


def candidates(config: Config, area_code: str, ind: Indicator) -> list[str]:
    """The NHS areas that may stand for a council on an NHS indicator, in order of preference."""
    area = next((a for a in config.areas if a.code == area_code), None)
    if area is None or area.health is None or ind.nhs_geography is None:
        return []
    own = area.health.sub_icb if ind.nhs_geography == "sub_icb" else area.health.providers
    return [*own, *([area.health.icb] if area.health.icb else [])]


def stand_in(config: Config, area_code: str, ind: Indicator, held: set[str]) -> StandIn | None:
    """The first candidate with figures (`held`: the codes holding this indicator), and what it covers."""
    by_code = {a.code: a for a in config.areas}
    area = by_code.get(area_code)
    wanted = candidates(config, area_code, ind)
    chosen = next((c for c in wanted if c in held), None)
    if area is None or chosen is None:
        return None
    nhs = by_code[chosen]
    icb = area.health.icb
    region = by_code[icb].region if icb in by_code else None
    label = f"{nhs.name}, the {LEVEL_NAMES[nhs.level]}" + ("" if nhs.code in nhs.name else f" ({nhs.code})")
    others = [c for c in nhs.covers if c != area.name]
    if others:
        covers = (
            f"{label}, covers {join_words(nhs.covers)}: its figures are not {area.name}'s alone, and nothing has been "
            "apportioned to the council."
        )
    else:
        covers = f"{label}, covers the same area as {area.name}."
    skipped = [by_code[c].name for c in wanted[: wanted.index(chosen)] if c in by_code]
    if skipped:
        covers = (
            f"{join_words(skipped)} published no figure for this (a blank in NHS England's file: no submission), so "
            f"the figures shown are those of {nhs.name}. " + covers
        )
    if not others:
        brief = f"{nhs.name} covers the same area as {area.name}."
    elif len(others) <= 3:
        brief = f"{nhs.name} also covers {join_words(others)}; nothing is apportioned."
    else:
        brief = f"{nhs.name} covers {len(nhs.covers)} council areas, {area.name} among them; nothing is apportioned."
    if skipped:
        brief = f"{join_words(skipped)} submitted no figure (blank). " + brief
    return StandIn(chosen, nhs.name, icb if icb != chosen else None, region, covers, brief)
