"""What is wrong with an input file: :class:`SpecError` and the helpers that fill it.

:class:`SpecError` lists every problem as a ``(location, message)`` pair, the location in
dotted/indexed form (``products[1].routing[2].station``). :func:`_from_validation_error`
turns pydantic's errors into such pairs; :func:`read_yaml` reads a YAML file and reports a
file that is not valid YAML as the caller's kind of :class:`SpecError`. Other inputs
(scenario files, supply networks) use both with their own :class:`SpecError` subclass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

__all__ = ["SpecError", "read_yaml"]


class SpecError(Exception):
    """A line description is invalid.

    Attributes
    ----------
    problems
        One ``(location, message)`` pair per problem, location in dotted/indexed form.
    """

    what = "line spec"

    def __init__(self, problems: list[tuple[str, str]], source: str | None = None) -> None:
        self.problems = problems
        self.source = source
        head = f"invalid {self.what}{f' in {source}' if source else ''}"
        lines = [f"{head}: {len(problems)} problem(s)"]
        lines += [f"  - {loc}: {msg}" if loc else f"  - {msg}" for loc, msg in problems]
        super().__init__("\n".join(lines))

    def __reduce__(self):  # kept whole when it travels from a worker process
        return (type(self), (self.problems, self.source))


def _format_loc(loc: tuple[Any, ...]) -> str:
    """Pydantic's error location as ``a.b[2].c`` (validator wrappers left out)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "constrained-")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _from_validation_error(err: ValidationError) -> list[tuple[str, str]]:
    """One ``(location, message)`` per error of ``err``, each message with the value found."""
    problems = []
    for e in err.errors(include_url=False):
        msg = e["msg"].removeprefix("Value error, ")
        found = e.get("input")
        if e["type"] == "missing":
            msg = "required field is missing"
        elif e["type"] == "extra_forbidden":
            msg = f"unknown field (found value {found!r}); check the spelling"
        elif not isinstance(found, dict | list):
            msg = f"{msg} (found {found!r})"
        problems.append((_format_loc(tuple(e["loc"])), msg))
    return problems


def read_yaml(path: str | Path, error: type[SpecError] = SpecError,
              label: str | None = None) -> Any:
    """The content of the YAML file ``path`` as plain data (mappings, lists, scalars).

    Parameters
    ----------
    path
        The file to read.
    error
        The :class:`SpecError` subclass to raise when the file is not valid YAML.
    label
        What the file is, for the not-found message; ``error.what`` if None.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    SpecError
        ``error``, with one problem, if the file is not valid YAML.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{label or error.what} {str(path)!r} not found")
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise error([("", f"not valid YAML: {err}")], str(path)) from None
