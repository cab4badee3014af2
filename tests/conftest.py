"""Suite-wide settings: the toolchain's result cache lives in a fresh folder per test process.

Tests then exercise both a cold run (first use) and the cache (later uses), never a cache left
behind by an earlier run or by the developer's own ``~/.cache/asteri``.
"""

from __future__ import annotations

import os
import tempfile

os.environ["ASTERI_CACHE_DIR"] = tempfile.mkdtemp(prefix="asteri-test-cache-")
