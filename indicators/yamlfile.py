"""The one YAML loader for the indicators file, the roles file and the DfE open-data mappings: safe, no aliases,
no key written twice, bounded in size and depth, every error naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_BYTES = 1_000_000
MAX_DEPTH = 24  # the deepest real file (an indicator's spc block per area) nests 6 levels


class YamlError(Exception):
    """A YAML file that cannot be read; `problems` says what and where, naming the file."""

    def __init__(self, path: Path | str, what: str, problems: list[str]):
        self.path, self.what, self.problems = str(path), what, problems
        super().__init__(path, what, problems)  # picklable: the arguments as given

    def __str__(self) -> str:
        return f"{self.what} {self.path}: " + "; ".join(self.problems)


# libyaml's parser when PyYAML was built with it (the wheels are), else PyYAML's own: seven times faster on the
# indicators file, which every fresh app server reads before its first page.
_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def _refuse_aliases_and_depth(text: str, what: str) -> None:
    """Walk the parser's events before building anything: aliases (*name) are refused (never needed here, and a
    way to blow up memory), and so is nesting deeper than MAX_DEPTH (a way to exhaust the stack), and a key written
    twice in one mapping (PyYAML would silently keep the last: a second `admins:` would empty the first)."""
    depth = 0
    # One entry per open collection: for a mapping, [keys seen → line, whether the next node is a key]; None for a list.
    open_: list[list | None] = []
    for event in yaml.parse(text, Loader=_SAFE):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise yaml.YAMLError(f"line {mark.line + 1}: aliases (*name) are not allowed in {what}; write the values out in full")
        if isinstance(event, (yaml.ScalarEvent, *_OPEN)) and open_ and open_[-1] is not None:
            mapping = open_[-1]
            if mapping[1] and isinstance(event, yaml.ScalarEvent):
                line = event.start_mark.line + 1
                if event.value in mapping[0]:
                    raise yaml.YAMLError(
                        f"line {line}: the key {event.value} is written twice in the same mapping (first on line "
                        f"{mapping[0][event.value]}); only one would be kept, so write it once"
                    )
                mapping[0][event.value] = line
            mapping[1] = not mapping[1]
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise yaml.YAMLError(
                    f"line {mark.line + 1}, column {mark.column + 1}: the values are nested more than "
                    f"{MAX_DEPTH} levels deep; {what} never needs that many"
                )
            open_.append([{}, True] if isinstance(event, yaml.MappingStartEvent) else None)
        elif isinstance(event, _CLOSE):
            depth -= 1
            open_.pop()


def parse(text: str, what: str, path: Path | str = "<text>"):
    """YAML text → Python data. `what` names the file for people, e.g. "the roles file"."""
    try:
        _refuse_aliases_and_depth(text, what)
        return yaml.load(text, Loader=_SAFE)  # noqa: S506 - the safe loader
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise YamlError(path, what, [f"the file is not valid YAML: {where}{problem}"]) from None
    except RecursionError:  # a scanner limit we did not foresee: still a message, never a traceback
        raise YamlError(
            path, what, [f"the values are nested too deeply; {what} never needs more than {MAX_DEPTH} levels"]
        ) from None


def load(path: Path | str, what: str, *, max_bytes: int = MAX_BYTES, missing_hint: str = ""):
    """Read and parse a YAML file; a missing, oversized or non-UTF-8 file is a YamlError saying so."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise YamlError(path, what, [f"the file does not exist{'; ' + missing_hint if missing_hint else ''}"]) from None
    if size > max_bytes:
        raise YamlError(path, what, [f"the file is {size:,} bytes; {what} over {max_bytes:,} bytes is refused"])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise YamlError(path, what, [f"the file is not UTF-8 text (byte {e.start}); save it as UTF-8"]) from None
    return parse(text, what, path)
