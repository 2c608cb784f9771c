"""The special-cause rules' settings (Making Data Count's defaults) and an indicator's `spc:` block, checked, with
every error naming its field."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


class SpcSettingError(ValueError):
    """A bad SPC setting; `field` names it (e.g. "run_length") so config errors can say where."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def _whole_number(field: str, value, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpcSettingError(field, f"must be a whole number, got {value!r}")
    if value < minimum:
        raise SpcSettingError(field, f"must be at least {minimum}, got {value}")


@dataclass(frozen=True)
class SpcSettings:
    """The special-cause rules' settings; defaults are Making Data Count's (see the module docstring)."""

    run_length: int = 7
    trend_length: int = 6
    two_of_three: bool = True
    # The MDC Excel tool does not screen moving ranges; NHSRplotthedots does by default.
    screen_moving_ranges: bool = False
    min_points: int = 12

    def __post_init__(self):
        _whole_number("run_length", self.run_length, 2)
        _whole_number("trend_length", self.trend_length, 3)
        _whole_number("min_points", self.min_points, 2)
        for name in ("two_of_three", "screen_moving_ranges"):
            if not isinstance(getattr(self, name), bool):
                raise SpcSettingError(name, f"must be true or false, got {getattr(self, name)!r}")

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


SETTING_NAMES = tuple(f.name for f in fields(SpcSettings))
OPTION_NAMES = ("rebase_at", "baseline", "max_gap")
MDC_MIN_POINTS = SpcSettings().min_points  # Making Data Count's advice: fewer points and the limits are unreliable


def settings_from_mapping(mapping: Mapping | None) -> SpcSettings:
    """SpcSettings from a YAML mapping (missing keys take MDC's defaults); SpcSettingError names any bad field."""
    if mapping is None:
        return SpcSettings()
    if not isinstance(mapping, Mapping):
        raise SpcSettingError("spc", f"must be a mapping of settings ({', '.join(SETTING_NAMES)}), got {mapping!r}")
    for key in mapping:
        if key not in SETTING_NAMES:
            raise SpcSettingError(str(key), f"is not a known SPC setting; accepted: {', '.join(SETTING_NAMES)}")
    return SpcSettings(**dict(mapping))


def options_from_mapping(mapping: Mapping | None) -> dict:
    """A whole `spc:` block (settings plus rebase_at and baseline) → keyword arguments for `analyse`."""
    if mapping is not None and not isinstance(mapping, Mapping):
        raise SpcSettingError("spc", f"must be a mapping of settings, rebase_at and baseline, got {mapping!r}")
    mapping = dict(mapping or {})
    accepted = SETTING_NAMES + OPTION_NAMES
    for key in mapping:
        if key not in accepted:
            raise SpcSettingError(str(key), f"is not a known SPC setting; accepted: {', '.join(accepted)}")
    rebase = mapping.pop("rebase_at", None) or []
    if isinstance(rebase, (str, int)):
        rebase = [rebase]
    # A rebase is a period label, or {period, areas, reason} for a rebase that applies to some areas only.
    if not isinstance(rebase, list) or not all(
        (isinstance(r, (str, int)) and not isinstance(r, bool)) or (isinstance(r, Mapping) and "period" in r) for r in rebase
    ):
        raise SpcSettingError(
            "rebase_at", f"must be a period label, or a list of period labels or of {{period, areas, reason}}, got {rebase!r}"
        )
    for r in rebase:
        if isinstance(r, Mapping):
            extra = set(r) - {"period", "areas", "reason"}
            if extra:
                raise SpcSettingError(
                    "rebase_at", f"{', '.join(sorted(extra))} is not a rebase field; use period, areas and reason"
                )
            if "areas" in r and not (isinstance(r["areas"], list) and all(isinstance(a, str) for a in r["areas"])):
                raise SpcSettingError("rebase_at", f"areas must be a list of ONS codes, got {r['areas']!r}")
    baseline = mapping.pop("baseline", None)
    if baseline is not None:
        _whole_number("baseline", baseline, 2)
    max_gap = mapping.pop("max_gap", 1)
    _whole_number("max_gap", max_gap, 0)
    return {"settings": settings_from_mapping(mapping), "rebase_at": tuple(rebase), "baseline": baseline, "max_gap": max_gap}
