"""The benchmark runs end to end and reports every figure (its targets are reported, not judged).

Runs `scripts/bench.py --quick` (sizes 100 and 1,000, a few conversations) as a subprocess.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = (
    "updates_per_second",
    "p50_ms",
    "p99_ms",
    "peak_rss_mb",
    "startup_s",
    "naive_writes_per_second",
    "backup_s",
    "backup_peak_rss_mb",
    "archive_mb",
    "restore_s",
    "restore_peak_rss_mb",
)
TARGETS = (
    "per_update_cost_scaling",
    "fraction_of_raw_fsync",
    "speedup_vs_naive",
    "startup_s",
    "peak_rss_mb",
    "backup_peak_rss_mb",
    "restore_peak_rss_mb",
)


def positive(value) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def test_quick_benchmark_reports_every_figure_for_every_size():
    process = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )
    assert process.returncode == 0, process.stderr[-4000:]
    report = json.loads(process.stdout)

    assert set(report["sizes"]) == {"100", "1000"}
    for size, figures in report["sizes"].items():
        for name in FIGURES:
            assert positive(figures.get(name)), (size, name, figures.get(name))
        assert figures["p50_ms"] <= figures["p99_ms"], size
        assert figures["errors"] == 0 and figures["unfinished"] == 0, size
        assert figures["conversations"] > 0 and figures["updates"] >= 10 * figures["conversations"]
    assert positive(report["raw_fsync_writes_per_second"])
    assert positive(report["seconds"])

    assert set(TARGETS) <= set(report["targets"])
    for name, target in report["targets"].items():
        assert isinstance(target["target"], str) and target["target"], name
        assert positive(target["value"]), (name, target)
        assert isinstance(target["met"], bool), name

    # The human-readable table goes to stderr, beside the JSON.
    assert "updates/s" in process.stderr and "raw atomic write" in process.stderr
    assert "backup MB" in process.stderr
