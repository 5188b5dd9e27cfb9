"""Shared test setup: hypothesis profiles and import path for test helpers."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

# A fast default; CI or a developer can ask for more with
# DISCLOSURE_RULES_MAX_EXAMPLES (the jmespath JP_MAX_EXAMPLES idea).
settings.register_profile(
    "default",
    max_examples=int(os.environ.get("DISCLOSURE_RULES_MAX_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")

# Tests must neither read a developer's rule cache nor leave one behind; each
# run gets its own, removed when the run ends (the cache's own tests point it
# elsewhere again). Worker processes the tests start inherit the setting but
# not the removal: only this process made the folder, so only it removes it.
if "DISCLOSURE_RULES_CACHE" not in os.environ:
    import atexit
    import shutil
    import tempfile

    _cache = tempfile.mkdtemp(prefix="disclosure-rules-cache-")
    os.environ["DISCLOSURE_RULES_CACHE"] = _cache
    atexit.register(shutil.rmtree, _cache, ignore_errors=True)
