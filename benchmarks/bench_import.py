"""Speed of importing published reports, each next to a baseline.

    python benchmarks/bench_import.py [--n 20]

* HTML: ``import_report`` on HTML renderings of generated reports (both
  formats, large numbers), next to only parsing the same pages with the
  standard library's ``html.parser`` (no tree, no tables) — the floor any
  HTML importer pays.
* PDF: ``import_report`` on the published PDF
  ``tests/fixtures/real/sources/pdf/2024-huaian-city.pdf`` (6 pages), next to
  pdfplumber opening it and extracting the text of every page.

Figures measured on the development machine (best of 5; a shared machine, so
they vary by about ±30 % between runs):

    HTML page (7 kB, 30 pages)  html.parser only     1.6–2.4 ms   import_report   9–14 ms
    PDF (6 pages, 403 kB)       pdfplumber + text    0.34–0.52 s  import_report   0.35–0.54 s

The issue's target — a typical HTML report imports in well under a second —
holds with a wide margin (about 10 ms, 4–9× the bare parse). A PDF costs
about what pdfplumber's own text extraction costs: the importer replaces
``extract_text`` by ``extract_text_lines`` plus ``find_tables`` and adds a
few tens of ms of its own. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from reportgen import random_report  # noqa: E402

from disclosure_rules.importer import import_report  # noqa: E402
from disclosure_rules.render import render  # noqa: E402

PDF = ROOT / "tests" / "fixtures" / "real" / "sources" / "pdf" / "2024-huaian-city.pdf"


def best(func: Callable[[], object], repeat: int = 5) -> float:
    """Best of ``repeat`` runs, in seconds."""
    fastest = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def bench_html(n: int) -> None:
    rng = random.Random(20250101)
    pages = [render(random_report(rng, big=True), "html") for _ in range(n)]
    size = sum(len(p.encode("utf-8")) for p in pages) / n

    def parse_only() -> None:
        for page in pages:
            parser = HTMLParser()
            parser.feed(page)
            parser.close()

    def import_all() -> None:
        for page in pages:
            import_report(page, kind="html")

    baseline = best(parse_only) / n
    ours = best(import_all) / n
    print(f"HTML page ({size / 1024:.0f} kB, n={n})")
    print(f"  html.parser only         {baseline * 1e3:8.2f} ms per page")
    print(f"  import_report            {ours * 1e3:8.2f} ms per page   ({ours / baseline:.0f}×)")


def bench_pdf() -> None:
    try:
        import pdfplumber  # optional dependency: only when a PDF is imported
    except ImportError:
        print("PDF: pdfplumber is not installed (pip install 'disclosure-rules[pdf]')")
        return
    if not PDF.exists():
        print(f"PDF: {PDF} not found")
        return
    data = PDF.read_bytes()

    def text_only() -> None:
        with pdfplumber.open(PDF) as pdf:
            for page in pdf.pages:
                page.extract_text()

    baseline = best(text_only)
    ours = best(lambda: import_report(data, kind="pdf"))
    print(f"PDF ({PDF.name}, {len(data) / 1024:.0f} kB)")
    print(f"  pdfplumber open + text   {baseline * 1e3:8.1f} ms")
    print(f"  import_report            {ours * 1e3:8.1f} ms            ({ours / baseline:.1f}×)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=20, help="HTML pages to import (default 20)")
    args = parser.parse_args()
    bench_html(args.n)
    bench_pdf()


if __name__ == "__main__":
    main()
