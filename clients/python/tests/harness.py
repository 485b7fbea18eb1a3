"""Starts a real seatd for the tests: SEATD_BIN on a free loopback port with a fresh data directory."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Dict, List, Optional

TOKENS = {"admin": "admin-secret-1", "reader": "reader-secret-1", "client": "client-secret-1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, auth: bool = False, extra: Optional[List[str]] = None,
                 env: Optional[Dict[str, str]] = None) -> None:
        self.env = {**os.environ, **(env or {})}
        self.binary = os.environ["SEATD_BIN"]
        self.port = free_port()
        self.directory = tempfile.mkdtemp(prefix="seatd-py-")
        self.data = os.path.join(self.directory, "data")
        self.args = ["--port", str(self.port), "--data", self.data, "--log-level", "warning", *(extra or [])]
        if auth:
            config = os.path.join(self.directory, "seatd.yaml")
            with open(config, "w") as f:
                tokens = ", ".join(f'"{role}:{token}"' for role, token in TOKENS.items())
                f.write(f"auth:\n  tokens: [{tokens}]\n")
            self.args += ["--config", config]
        self.process: Optional[subprocess.Popen] = None
        self.start()

    def start(self) -> None:
        with open(os.path.join(self.directory, "seatd.log"), "ab") as log:
            self.process = subprocess.Popen([self.binary, *self.args], stdout=log, stderr=log, env=self.env)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"seatd exited: {open(os.path.join(self.directory, 'seatd.log')).read()}")
                time.sleep(0.02)
        raise RuntimeError("seatd did not start listening within 10 s")

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)
