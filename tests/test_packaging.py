"""The wheel carries everything the package needs: schemas, the official
pack and the grammar ship inside it, and are found through
importlib.resources from any directory, with no reference to the source
tree (issue 2).

The wheel is built from this checkout (hatchling, as ``pip install .``
does), unpacked into a temporary directory, and imported from there by a
fresh interpreter whose working directory is elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (ROOT / "pyproject.toml").is_file(), reason="needs the source checkout to build from")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    hatchling = pytest.importorskip("hatchling.builders.wheel")
    out = tmp_path_factory.mktemp("dist")
    builder = hatchling.WheelBuilder(str(ROOT))
    (built,) = list(builder.build(directory=str(out), versions=["standard"]))
    return Path(built)


def test_the_wheel_holds_schemas_rules_and_grammar(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    package = "disclosure_rules/"
    for needed in ("grammar.lark", "schemas/report-2019.schema.json",
                   "schemas/report-2021.schema.json", "schemas/check-output.schema.json",
                   "rules/official/pack.rules", "rules/official/table3.rules", "py.typed"):
        assert package + needed in names, needed
    shipped_rules = {n.removeprefix(package + "rules/official/") for n in names
                     if n.startswith(package + "rules/official/")}
    in_tree = {p.name for p in (ROOT / "rules" / "official").iterdir()}
    assert in_tree <= shipped_rules
    assert not any(n.startswith(("tests/", "src/")) for n in names)


def test_the_unpacked_wheel_works_from_another_directory(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    report = elsewhere / "report.json"
    report.write_text((ROOT / "examples" / "huaian-city-2024.json").read_text("utf-8"), "utf-8")
    code = (
        "import json, disclosure_rules as dr\n"
        "from disclosure_rules.rulesets import official_rules_path\n"
        "result = dr.check(dr.load_report('report.json'))\n"
        "print(json.dumps({'file': dr.__file__, 'pack': str(official_rules_path()),\n"
        "                  'rules': len(dr.load_rules().rules), 'ok': result.ok,\n"
        "                  'evaluated': len(result.evaluated)}))\n"
    )
    # Only the unpacked wheel and the installed dependencies are importable:
    # not src/ (the editable install's path hook is bypassed with -S and an
    # explicit path), not the checkout.
    deps = [p for p in sys.path if "site-packages" in p]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *deps]),
           "DISCLOSURE_RULES_CACHE": ""}
    done = subprocess.run([sys.executable, "-S", "-c", code], cwd=elsewhere, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout)
    assert facts["file"].startswith(str(site))
    assert facts["pack"].startswith(str(site))
    assert str(ROOT) not in facts["file"] + facts["pack"]
    assert facts["rules"] >= 28 and facts["evaluated"] > 10 and facts["ok"] is True
