"""What can be wrong with an input, said one way: one Problem type and one message template per kind."""

from __future__ import annotations

import difflib
from dataclasses import dataclass


class MappingError(Exception):
    """A source's mapping (config/ees/, config/nhs/) that cannot be used; `problems` names each field at fault. One
    type for every source, so the upload page and the command line catch one thing."""

    def __init__(self, path, problems: list[str]):
        self.path, self.problems = str(path), problems
        super().__init__(path, problems)  # the arguments as given, so the error crosses to and from the worker process

    def __str__(self) -> str:
        return "\n".join([f"The mapping {self.path} has {len(self.problems)} problem(s):", *[f"  - {p}" for p in self.problems]])


# One message per kind. Placeholders are filled by Problem.of(kind, **params); every message says what is
# wrong and what would be accepted, and the Problem adds where (file, row, column).
MESSAGES: dict[str, str] = {
    # whole files
    "file_too_big": "{name} is {size} MB; files over {limit} MB are refused. {hint}",
    "empty_file": "{name} is empty; {hint}",
    "not_text": "{name} is not a text file (it looks like an image, a zip or another binary file). {hint}",
    "bad_encoding": '{name} uses a character encoding other than UTF-8 or Windows-1252; save it from Excel as "CSV UTF-8".',
    "no_header": "the file has no header row; {hint}",
    "no_figures": "the file has a header row but no figures under it",
    "csv_unreadable": "cannot be read as CSV ({detail}); check for a stray quote or a cell containing a comma that is not in quotes",
    "too_many_columns": "the header row has {count:,} columns; at most {limit} are accepted (one per indicator in the wide layout)",
    "line_too_long": "the line is {length:,} characters long; lines over {limit:,} characters are refused. Check the file is a CSV of figures.",
    "too_many_rows": "{name} has {what} rows; at most {limit:,} rows of figures are accepted in one file. Split it into smaller files.",
    "too_many_cells": "{name} has {what} cells ({rows:,} rows × {columns:,} columns); at most {limit:,} are accepted. Remove the columns the dashboard does not read, or split the file.",
    "bad_xlsx": "{name} is not a valid Excel .xlsx file; open it in Excel and save it again as .xlsx or as CSV",
    "xlsx_unpacks_too_big": "{name} would unpack to {size:,.0f} MB; Excel files that unpack to more than {limit} MB are refused. Save the sheet as CSV instead.",
    "xlsx_unreadable": "{name} cannot be read as an Excel workbook ({detail}); save it again as .xlsx or as CSV",
    "no_such_sheet": '{name} has no sheet called "{sheet}"; its sheets are {sheets}',
    "empty_sheet": "the first sheet of {name} is empty; put the header row (indicator,area,period,value) in row 1",
    # columns
    "duplicate_column": "the column {column_name} appears more than once; keep one",
    "unknown_column": "is not a column the loader knows; {hint}",
    "missing_column": "the required column {column_name} is missing; {hint}",
    # cells
    "empty_indicator": "the indicator is empty; give an indicator id such as ehcp_20wk (see the About the indicators page)",
    "unknown_indicator": '"{value}" is not a known indicator id{suggestion} (see the About the indicators page for the ids)',
    "not_permitted": "{user} may not upload figures for {indicator}; remove the row, or ask an administrator to add {indicator} to your indicators in config/roles.yaml",
    "kind_admin_only": "{user} may not upload {what}: only an administrator may; upload a return of figures instead",
    "official_only": "{indicator} holds official statistics, which only an administrator or the DfE open-data import may load",
    "empty_area": "the area is empty; give an ONS code or a name: {listing}",
    "unknown_area": '"{value}" is not a known area{suggestion}; use an ONS code or a name: {listing}',
    "area_level_not_allowed": "{area} is {level} area; only an administrator or the DfE open-data import may load figures for England and the regions. Give a local area such as {example}",
    "provider_measure_needs_provider": "{indicator} is a measure of the provider scorecard, reported for a commissioned provider; {area} is not one. Give the provider's code or name",
    "provider_area_for_area_measure": "{area} is a commissioned provider; {indicator} is reported for a local area, not a provider. Give a local area such as County Durham",
    "empty_period": "the period is empty; {indicator} is reported by {type_name}, e.g. {example}",
    "bad_period": "{detail}",
    "future_period": '"{label}" ({display}) has not started yet; figures can only be loaded for periods that have begun',
    "not_a_number": '"{value}" is not a number; give a number such as 91.5, 91% or 1,234, or a suppression marker ({markers})',
    "percent_sign": '"{value}" has a % sign but this indicator is not a percentage; give the number without %',
    "value_missing": "the value is empty but the numerator or denominator is given; fill in the value (or leave the whole row empty)",
    "count_not_a_number": '"{value}" is not a number; give a whole number, or leave it empty',
    "out_of_range": "{value:g} is outside 0–100; {indicator} is a percentage",
    "negative": "{value:g} is negative; {indicator} is a {unit} and cannot be below 0",
    "negative_count": "{value:g} is negative; a {count_column} is a count of 0 or more",
    "numerator_above_denominator": "numerator {numerator:g} is greater than denominator {denominator:g}; the numerator counts part of the denominator",
    "zero_denominator": "is 0 while the numerator is not; a rate needs a denominator above 0",
    "value_disagrees": "{value:g}% disagrees with numerator/denominator {numerator:g}/{denominator:g} = {expected:.1f}%; correct the value or the counts",
    "bad_figure_type": '"{value}" is not accepted; {hint}',
    "duplicate_figure": "{indicator} for {area} in {period} is also on row {first} with a different figure{detail}; keep one row{hint}",
    # slips: warnings the person must confirm (indicators.slips)
    "slip_percent": "{value} — did you mean {meant}%? {indicator_name} for {area} in {period} is a percentage, and its last {n} figures were {lo}–{hi}%. Correct it, or confirm it if {value}% is right",
    "slip_tenfold": "{value} is {how} the recent range — {indicator_name} for {area} in {period}: its last {n} figures were {lo}–{hi}{meant} Correct it, or confirm it if {value} is right",
    # the improvement plan's spreadsheet (indicators/plan.py)
    "plan_empty": "is empty; {hint}",
    "plan_bad_date": '"{value}" is not a date; write it as 2025-04-01 or 1 April 2025',
    "plan_bad_status": '"{value}" is not a delivery status; use one of: {statuses}',
    "plan_bad_email": '"{value}" is not an e-mail address; give the owner\'s sign-in address (e.g. name@durham.gov.uk) or leave it empty',
    "plan_bad_milestone": '"{value}" is not a milestone; write each as indicator: value by date, e.g. "ehcp_20wk: 60 by 2026-03-31", separated by ";"',
    "plan_milestone_unlinked": "{indicator} has a milestone but is not in the Indicators column; add it there or remove the milestone",
    "plan_afi_differs": 'area for improvement {ref} is "{value}" here but "{first_value}" on row {first}; give it the same text on every row',
    "plan_duplicate_action": "action {ref} is also on row {first}; give each action one row",
    "plan_due_before_start": "the due date {due} is before the start date {start}",
    "plan_too_long": "is {length:,} characters; keep it under {limit:,}",
    # DfE open data (EES)
    "not_ees": "{name} is not an EES open-data CSV: it has no {missing} column{plural}. An EES file starts with time_period,time_identifier,geographic_level,…; is this a file from explore-education-statistics.service.gov.uk?",
    "unmapped_layout": "{name} is DfE open data that no mapping in config/ees/ reads yet{release}. {closest} To load it, copy that mapping to config/ees/<new name>.yaml, change its column names to this file's, and import again (python -m indicators import-ees {name} --mapping <new name>).",
    "ambiguous_layout": "{name} fits more than one mapping ({names}); choose one with --mapping (or on the Upload page).",
    "mapping_not_for_file": "the mapping {mapping} does not read {name}: it needs the column{plural} {missing}{suggestion}. {hint}",
    "nothing_mapped": "{name} holds no file that a mapping in config/ees/ reads ({members}). {hint}",
    "empty_level": "is empty; use National, Regional or Local authority",
    "time_identifier_mismatch": '"{value}" does not fit the mapping {mapping}: it loads {indicators}, reported by {type_name}, so every row must say "{expected}"{more}. Choose the mapping made for this file',
    "empty_time_identifier": 'is empty; the mapping {mapping} expects "{expected}"',
    "no_code_column": "the file has {level} rows (the first is row {first}) but no {code_column} column, which gives their ONS code",
    "empty_code": "is empty; a {level} row needs its ONS code in {code_column}, e.g. {example}",
    "bad_code": '"{value}" is not an ONS area code; they are a letter E, W, S or N and 8 digits, e.g. {example}',
    "new_area_without_name": "is empty; {code} is not an area the dashboard knows yet, and its name is needed to add it",
    "no_rows_left": "no rows are left to load: {what}",
    "bad_zip": '{name} is not a valid zip file; download the release again ("Download all data") and use the .zip as it comes',
    "zip_too_big": "{name} would unpack to {size:,.0f} MB; release zips that unpack to more than {limit} MB are refused. Import the CSV files you need one by one.",
    "zip_too_many_members": "{name} holds {count:,} files; a release zip holds a few dozen, and zips of more than {limit:,} files are refused. Import the CSV files you need one by one.",
    "zip_member_damaged": '{where} cannot be unpacked ({detail}): the zip is damaged. Download the release again ("Download all data") and use the .zip as it comes.',
    "gzip_damaged": "{name} cannot be unpacked ({detail}): the .gz file is damaged. Download it again and use it as it comes.",
    "member_too_big": "{where} unpacks to more than {limit:,.0f} MB; files over that are refused. Import the CSV files you need one by one.",
    "release_too_many_rows": "{where} has more than {limit:,} rows; a DfE or NHS file with more is refused (the largest real one, SEN2 caseload.csv, has about 25,000). Download the data set filtered to national, regional and local authority level.",
    "line_too_long_streamed": "the line is more than {limit:,} characters long; lines over {limit:,} characters are refused. Check the file is a CSV of figures.",
    "name_too_long": 'the {what} is {length:,} characters long ("{value}"); names over {limit} characters are refused. Give the {what} as published, e.g. {example}.',
    "no_total": '{name} has no row that is the total: its {column_name} values are {values}, and none is the "all" level (a label beginning "All" or "Total"{same}). If one of them is the total, name it in {path} with the line {line} and import again.',
    "release_unknown": "{name} does not say which release it is (neither its name nor the release's data guidance gives a year), and its latest figures make it look like release {guess}, older than release {stored}, which is already stored, so its figures would be kept as stored rather than checked for revisions. Give the release with --release (on the Upload page: Advanced, Release), e.g. --release {stored} or later.",
    "no_csv": '{name} is a zip with no CSV files in it; use the release\'s "Download all data" zip or one of its CSV files',
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: its kind, where it is (file, row as a spreadsheet numbers it with the header
    as row 1, column as headed in the file), the indicator it concerns, and the message for people."""

    kind: str
    message: str
    row: int | None = None
    column: str | None = None
    indicator: str | None = None
    file: str | None = None

    @classmethod
    def of(
        cls,
        kind: str,
        *,
        row: int | None = None,
        column: str | None = None,
        indicator: str | None = None,
        file: str | None = None,
        **params,
    ) -> Problem:
        return cls(kind, MESSAGES[kind].format(indicator=indicator, **params), row, column, indicator, file)

    def __str__(self) -> str:
        where = [
            w
            for w in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column {self.column}" if self.column else None,
            )
            if w
        ]
        return f"{', '.join(where)}: {self.message}" if where else self.message


def suggest(word: str, choices, n: int = 1) -> str:
    """'; did you mean "x"?' for the nearest choice, or nothing."""
    close = difflib.get_close_matches(word, list(choices), n=n, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def short(text: str, limit: int = 60) -> str:
    """Quote at most `limit` characters of what a person typed, so a huge cell never floods a message."""
    return text if len(text) <= limit else text[:limit] + "…"


def join_words(words: list[str]) -> str:
    """a, b and c."""
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
