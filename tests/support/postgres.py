"""A real PostgreSQL server for the tests, started once per test session in a temporary folder.

`.ci/run` installs Debian's `postgresql` package when the server is missing and sets
``REQUIRE_POSTGRES=1``: there a missing server fails the tests; elsewhere they are skipped with
the reason. As root, the server runs as the `postgres` user (it refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.support.bot_process import free_port

SKIP_REASON = "no PostgreSQL server here (Debian: apt-get install postgresql); .ci/run installs one"


def _server_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl), if there is one."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PostgresServer:
    """initdb into a temporary folder, then pg_ctl start on a free port of 127.0.0.1."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="bot-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._databases = 0

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as, str(self.bindir / program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "bot", "-A", "trust", "-E", "UTF8")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        log = str(self.root / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://bot@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """The URL of a new, empty database."""
        import psycopg

        self._databases += 1
        name = f"test_{self._databases}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def start_server() -> PostgresServer:
    """A running server, or a skip (a failure where `REQUIRE_POSTGRES` is set) saying why."""
    bindir = _server_bin()
    problem = None
    if bindir is None:
        problem = SKIP_REASON
    elif os.geteuid() == 0 and shutil.which("runuser") is None:
        problem = "running as root without runuser: PostgreSQL will not run as root"
    else:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            problem = "psycopg is not installed (pip install -e '.[test]')"
    if problem is None:
        server = PostgresServer(bindir)
        try:
            server.start()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            output = getattr(error, "stderr", b"") or b""
            problem = f"PostgreSQL did not start: {error} {output.decode(errors='replace')}"
        else:
            return server
    if os.environ.get("REQUIRE_POSTGRES"):
        pytest.fail(problem)
    pytest.skip(problem)
