"""Import published annual reports (text, Markdown, HTML, PDF, DOCX) into
report JSON.

    from disclosure_rules.importer import import_report

    imported = import_report("report.pdf")
    imported.document      # report JSON (the contract of report-json.md)
    imported.findings      # IMP-* findings: what could not be read as published

One module per concern: :mod:`.text`, :mod:`.html`, :mod:`.pdf` and
:mod:`.docx` read an input into blocks (:mod:`.model`); :mod:`.sections`
finds the six headings; :mod:`.meta` reads year, organ and format;
:mod:`.prose` assembles paragraphs; :mod:`.tables` finds labels and values;
:mod:`.numbers` reads cell values; :mod:`.resolve` chooses among uncertain
readings with the table's identities; :mod:`.cells` puts the tables under
contract keys; :mod:`.notes` words the findings; :mod:`.core` runs it all.
"""

from .core import KINDS, Imported, document_json, import_report

__all__ = ["KINDS", "Imported", "document_json", "import_report"]
