"""The benchmark runs end to end and reports every figure (its targets are reported, not judged).

Runs `scripts/bench.py --quick` (sizes 100 and 1,000, a few conversations) as a subprocess: the
TinyDB files, and the PostgreSQL store when a server is here (else the report says why not).
"""

import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

from tests.support.postgres import _server_bin

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
POSTGRES_FIGURES = (
    "updates_per_second",
    "per_update_ms",
    "cpu_ms_per_update",
    "server_cpu_ms_per_update",
    "total_cpu_ms_per_update",
    "p50_ms",
    "p99_ms",
    "peak_rss_mb",
    "table_mb",
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


def postgres_here() -> bool:
    """Whether the benchmark must run the PostgreSQL store (as tests/support/postgres.py sees
    it: the server's programs and psycopg are here, or .ci/run requires a server)."""
    found = _server_bin() is not None and importlib.util.find_spec("psycopg") is not None
    return found or bool(os.environ.get("REQUIRE_POSTGRES"))


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
        check_telegram_calls(size, figures)
    assert positive(report["raw_fsync_writes_per_second"])
    assert positive(report["seconds"])

    assert set(TARGETS) <= set(report["targets"])
    for name, target in report["targets"].items():
        assert isinstance(target["target"], str) and target["target"], name
        assert positive(target["value"]), (name, target)
        assert isinstance(target["met"], bool), name

    # The human-readable table goes to stderr, beside the JSON.
    assert "updates/s" in process.stderr and "raw atomic write" in process.stderr
    assert "backup MB" in process.stderr and "held to 30/s" in process.stderr

    if postgres_here():
        for size, figures in report["sizes"].items():
            on_postgres = figures.get("postgres")
            assert on_postgres, (size, report.get("postgres_skipped"))
            for name in POSTGRES_FIGURES:
                assert positive(on_postgres.get(name)), (size, name, on_postgres.get(name))
            assert on_postgres["errors"] == 0 and on_postgres["unfinished"] == 0, size
            assert on_postgres["updates"] == figures["updates"], "not the same conversations"
            bot, server = on_postgres["cpu_ms_per_update"], on_postgres["server_cpu_ms_per_update"]
            assert math.isclose(on_postgres["total_cpu_ms_per_update"], bot + server), size
            check_telegram_calls(size, on_postgres)
        assert "postgres" in report["config"]["parts"]
        assert "postgres_cost_scaling" in report["targets"]
        assert "PostgreSQL store (" in process.stderr
    else:
        assert isinstance(report.get("postgres_skipped"), str) and report["postgres_skipped"]
        assert not any("postgres" in figures for figures in report["sizes"].values())
        assert "PostgreSQL store: skipped" in process.stderr


def check_telegram_calls(size: str, figures: dict) -> None:
    """The Bot API calls per update: those naming a chat are the messages sent and edited,
    never the answers to button presses; none of them, replies all, is held to the 30 a second
    of what the bot sends on its own."""
    chat_calls = figures["chat_calls_per_update"]
    assert 0.5 <= chat_calls <= 5, (size, chat_calls)
    calls = figures["calls_per_update"]
    assert calls.get("sendMessage", 0) > 0 and calls.get("answerCallbackQuery", 0) > 0, calls
    assert "sendMessage" in figures["chat_methods"], figures["chat_methods"]
    assert "answerCallbackQuery" not in figures["chat_methods"], figures["chat_methods"]
    assert math.isclose(chat_calls, sum(calls[m] for m in figures["chat_methods"])), calls
    assert figures["limited_calls_per_update"] == 0, size
    assert figures["updates_per_s_at_telegram_limit"] is None, size
