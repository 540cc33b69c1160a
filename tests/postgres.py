"""A throwaway PostgreSQL cluster for the tests, started in a temporary folder.

PostgreSQL refuses to run as root, so when the tests run as root the cluster belongs to the ``postgres``
user and every server command runs through ``runuser``. It listens only on a Unix socket inside its folder
(no port clashes between parallel runs) and is stopped and deleted at the end of the session.

``EVIDENCE_REPO_TEST_POSTGRES_URL`` points the tests at an existing server instead (its database must be
empty and owned by the connecting user).
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

_DEBIAN_BIN = Path("/usr/lib/postgresql")


def _bin(name: str) -> str:
    """Debian keeps the server programs out of PATH, under /usr/lib/postgresql/<version>/bin."""
    versions = sorted(_DEBIAN_BIN.glob("*/bin"), key=lambda p: int(p.parent.name), reverse=True)
    for folder in versions:
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian package postgresql)")
    return found


def database_name(url: str) -> str:
    from sqlalchemy.engine import make_url

    return str(make_url(url).database)


class Cluster:
    """One server in a temporary folder; ``url(dbname)`` is a SQLAlchemy URL (psycopg 3)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="evidence-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.socket_dir.mkdir()
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chmod(self.root, 0o755)
            for path in (self.root, self.socket_dir):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        self._counter = 0

    def _run(self, *args: str) -> None:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> Cluster:
        self._run(_bin("initdb"), "-D", str(self.data), "-U", self.user, "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "server.log"),
                  "-w", "start")
        return self

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@/{dbname}?host={self.socket_dir}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user=self.user, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, prefix: str = "t", template: str | None = None) -> str:
        """A new database, empty or a copy of ``template`` (a database name); returns its SQLAlchemy URL."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        self._admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database` (connections still open are ended)."""
        name = database_name(url)
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
