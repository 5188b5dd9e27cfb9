"""disclosure-rules: check China's government information disclosure annual
reports (政府信息公开工作年度报告) against the regulation's reporting rules.

The public API is small::

    import disclosure_rules as dr

    report = dr.load_report("report.json")      # JSON or YAML, path or text
    result = dr.check(report)                    # schema + the official pack
    for finding in result.findings:
        print(finding.severity, finding.rule_id, finding.label, finding.message)

``dr.load_rules(*paths)`` loads rule packs written in the rules language
(no argument: the official pack); ``dr.check(report, rules, previous=last_year)``
checks one report, with last year's report for the continuity rules.
"""

from typing import TYPE_CHECKING, Any

from .checking import check
from .errors import (
    ConfigError,
    DisclosureRulesError,
    DocumentError,
    ImportReportError,
    RuleCompileError,
    RuleSyntaxError,
)
from .findings import Cell, Diagnosis, Finding, Message, NotEvaluated, Result, Severity
from .layout import label
from .loading import Report, load_report
from .render import render
from .rulesets import RuleSet, load_rules
from .validation import validate

if TYPE_CHECKING:
    from .importer import Imported, import_report

# The importer is loaded on first use: a tool that only checks report JSON
# (or the command line checking a batch) need not pay for it at start-up.
# (Not render(): its module has the same name, and importing the module
# would shadow a lazily bound function.)
_LAZY = {"Imported": "importer", "import_report": "importer"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value

__version__ = "0.1.0"

__all__ = [
    "Cell",
    "ConfigError",
    "Diagnosis",
    "DisclosureRulesError",
    "DocumentError",
    "Finding",
    "ImportReportError",
    "Imported",
    "Message",
    "NotEvaluated",
    "Report",
    "Result",
    "RuleCompileError",
    "RuleSet",
    "RuleSyntaxError",
    "Severity",
    "__version__",
    "check",
    "import_report",
    "label",
    "load_report",
    "load_rules",
    "render",
    "validate",
]
