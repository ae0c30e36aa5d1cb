"""Printing diagnostics in the three formats of ``--error-format``; the exit status stays the
caller's.

- ``text``: ``path:line:col: error[CODE]: message`` on stdout, a count on stderr.
- ``github-actions``: workflow commands (``::error file=…,line=…::message``), paths relative
  to the repository root so that the annotations land on the file whatever the working folder.
- ``json``: JSON Lines, one object per diagnostic, then one summary object
  (``{"summary": true, "errors": …, "warnings": …, "files": …, "exit": …}``, plus ``notes``
  and ``silenced`` when there were any), so even a clean run prints something a program can
  parse.

A caller may show diagnostics with another severity than their code's: ``error`` for warnings
that fail a ``--strict`` run, ``note`` for what is reported but allowed (a deliberate break).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from llm_registry.codegen.diagnostics import CODES, Diagnostic

ERROR_FORMATS = ("text", "json", "github-actions")
# Workflow command per severity (GitHub has no "note"; its "notice" is the same idea).
_WORKFLOW_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def shown(path: Path | str) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return os.path.relpath(absolute) if absolute.is_relative_to(Path.cwd()) else str(absolute)
    except ValueError:
        return str(absolute)


class Reporter:
    """Prints diagnostics as they come and a summary at the end, in one ``--error-format``."""

    def __init__(self, error_format: str = "text", repository_root: Path | None = None) -> None:
        self.error_format = error_format
        self.repository_root = repository_root
        self.errors = 0
        self.warnings = 0
        self.notes = 0
        self.silenced = 0
        """Warnings a descriptor silenced: not printed, only counted in the summary."""
        self.files: set[str] = set()

    def report(
        self,
        diagnostics: Iterable[Diagnostic],
        *,
        to_stderr: bool = False,
        severity: str | None = None,
    ) -> None:
        """Print diagnostics; ``severity`` ("error", "warning" or "note") overrides their
        codes' own."""
        stream = sys.stderr if to_stderr and self.error_format == "text" else sys.stdout
        for diagnostic in diagnostics:
            shown_as = severity or diagnostic.severity
            if shown_as == "error":
                self.errors += 1
            elif shown_as == "warning":
                self.warnings += 1
            else:
                self.notes += 1
            self.files.add(diagnostic.path)
            print(self._line(diagnostic, shown_as), file=stream)

    def note(self, message: str) -> None:
        """A human-readable progress or result line: stderr, in every format."""
        print(message, file=sys.stderr)

    def finish(self, status: int, *, error: str | None = None) -> int:
        """Print the summary (and a usage or internal error's message); return status."""
        if self.error_format == "json":
            import json

            summary: dict[str, object] = {
                "summary": True,
                "errors": self.errors,
                "warnings": self.warnings,
                "files": len(self.files),
                "exit": status,
            }
            if self.notes:
                summary["notes"] = self.notes
            if self.silenced:
                summary["silenced"] = self.silenced
            if error is not None:
                summary["message"] = error
            print(json.dumps(summary, ensure_ascii=False))
            if error is not None:
                print(f"error: {error}", file=sys.stderr)
            return status
        if error is not None:
            print(error if error.startswith("error") else f"error: {error}", file=sys.stderr)
        if self.errors or self.warnings or self.notes:
            counts = f"{self.errors} error(s), {self.warnings} warning(s)"
            counts += f", {self.notes} note(s)" if self.notes else ""
            counts += f", {self.silenced} silenced" if self.silenced else ""
            print(f"{counts} in {len(self.files)} file(s)", file=sys.stderr)
        elif self.silenced:
            print(f"{self.silenced} warning(s) silenced", file=sys.stderr)
        return status

    def _line(self, diagnostic: Diagnostic, severity: str) -> str:
        if self.error_format == "json":
            import json

            record = {**vars(diagnostic), "severity": severity}
            record["name"] = CODES[diagnostic.code]
            return json.dumps(record, ensure_ascii=False)
        if self.error_format == "github-actions":
            return self._workflow_command(diagnostic, severity)
        return diagnostic.format(severity)

    def _workflow_command(self, diagnostic: Diagnostic, severity: str) -> str:
        where = _workflow_escape(self._repository_path(diagnostic.path), property_value=True)
        title = _workflow_escape(f"{diagnostic.code} {CODES[diagnostic.code]}", property_value=True)
        position = f"line={max(diagnostic.line, 1)},col={max(diagnostic.column, 1)}"
        message = _workflow_escape(diagnostic.message)
        command = _WORKFLOW_COMMANDS[severity]
        return f"::{command} file={where},{position},title={title}::{message}"

    def _repository_path(self, path: str) -> str:
        """The path relative to the repository root, where GitHub looks for annotated files."""
        if self.repository_root is None:
            return path
        absolute = Path(os.path.abspath(path))
        if not absolute.is_relative_to(self.repository_root):
            return str(absolute)
        return absolute.relative_to(self.repository_root).as_posix()


def _workflow_escape(text: str, *, property_value: bool = False) -> str:
    # Workflow commands: data escapes %, CR and LF; properties also ',' and ':'.
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text
