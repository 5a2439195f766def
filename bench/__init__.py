"""altpay's benchmark: ``python -m bench.run`` (``make bench``) and ``python -m bench.inprocess``.

See docs/performance.md for the method and the latest results.
"""

from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
