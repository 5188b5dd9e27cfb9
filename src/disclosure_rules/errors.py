"""The exception family of disclosure_rules.

Findings are values, exceptions are for broken programs and unreadable input:

* a report that breaks the schema or a rule is *not* an exception: it yields
  :class:`~disclosure_rules.findings.Finding` values;
* a document that is not JSON/YAML at all, a rule file that does not parse or
  does not type-check, a configuration file that is malformed: these raise a
  subclass of :class:`DisclosureRulesError`.

No lark, jsonschema, yaml or Python exception escapes the public API: each is
caught at the boundary where it happens and re-raised as one of these, with
the file and the line/column (or JSON Pointer) it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "ConfigError",
    "DisclosureRulesError",
    "DocumentError",
    "ImportReportError",
    "Problem",
    "RuleCompileError",
    "RuleSyntaxError",
]


class DisclosureRulesError(Exception):
    """Root of every exception the library raises on purpose.

    ``code`` is a stable category string (``syntax``, ``unknown-path`` …)
    shared by the CLI, the language test suite and tools.
    """

    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class DocumentError(DisclosureRulesError):
    """A report (or other input document) cannot be read as JSON or YAML.

    ``file`` names the input (``<string>`` for text), ``line``/``column`` are
    1-based and present when the position is known.
    """

    code = "document"

    def __init__(
        self,
        message: str,
        *,
        file: str = "<string>",
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        where = file
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.reason = message


@dataclass(frozen=True, slots=True)
class Problem:
    """One static problem in a rule file: where, what category, what message."""

    file: str
    line: int
    column: int
    code: str
    message: str
    context: str = ""

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: [{self.code}] {self.message}"
        if self.context:
            text += "\n" + self.context.rstrip("\n")
        return text


class RuleSyntaxError(DisclosureRulesError):
    """A rule file does not parse. Carries the position and what was expected."""

    code = "syntax"

    def __init__(
        self,
        message: str,
        *,
        file: str,
        line: int,
        column: int,
        context: str = "",
        expected: Sequence[str] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.context = context
        self.expected = tuple(expected)
        self.reason = message
        text = f"{file}:{line}:{column}: 语法错误 syntax error: {message}"
        if context:
            text += "\n" + context.rstrip("\n")
        super().__init__(text)


class RuleCompileError(DisclosureRulesError):
    """A rule file parses but is wrong: unknown paths or functions, type or
    arity mismatches, duplicate ids, bad severities. Every problem is listed,
    not only the first."""

    code = "compile"

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else None
        if first is not None:
            self.code = first.code
        lines = [str(p) for p in self.problems]
        head = f"{len(self.problems)} 个规则错误 ({len(self.problems)} rule problem(s))"
        super().__init__(head + ":\n" + "\n".join(lines))


class ConfigError(DisclosureRulesError):
    """A configuration file (disclosure-rules.yaml) is malformed."""

    code = "config"

    def __init__(self, message: str, *, file: str, line: int | None = None, key: str = "",
                 column: int | None = None) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        where = file + (f":{line}" if line is not None else "") + (
            f":{column}" if line is not None and column is not None else "")
        keypart = f" ({key})" if key else ""
        super().__init__(f"{where}{keypart}: {message}")
        self.reason = message


class ImportReportError(DisclosureRulesError):
    """A published report (text, HTML, PDF …) cannot be imported at all."""

    code = "import"

    def __init__(self, message: str, *, file: str = "<string>") -> None:
        self.file = file
        super().__init__(f"{file}: {message}")
        self.reason = message
