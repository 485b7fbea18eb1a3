"""Cluster mode (rule 7) against a real cluster of two shards, each a primary and its standby, with one etcd on
loopback, started as LoadTests/bench-shards.sh does. Skipped (and said so) where etcd is not installed."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request
from typing import Dict, List

import seatd
from harness import free_port

SECRET = "python-client-cluster-secret"


def ask(port: int, line: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(line.encode() + b"\n")
        return s.makefile().readline().strip()


def wait_for(port: int, line: str, *texts: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            reply = ask(port, line)
            if all(t in reply for t in texts):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no {texts} in the reply to {line} on port {port}")


@unittest.skipIf(shutil.which("etcd") is None, "etcd is not on PATH: the cluster tests need it (apt-get install "
                 "etcd-server); MOVED and TRYAGAIN are covered by the parser's unit tests only")
class ClusterTests(unittest.TestCase):
    processes: List[subprocess.Popen]
    ports: Dict[str, int]

    @classmethod
    def setUpClass(cls) -> None:
        cls.binary = os.environ["SEATD_BIN"]
        cls.directory = tempfile.mkdtemp(prefix="seatd-py-cluster-")
        cls.processes, cls.ports = [], {}
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _spawn(cls, name: str, args: List[str]) -> subprocess.Popen:
        with open(os.path.join(cls.directory, f"{name}.log"), "ab") as log:
            process = subprocess.Popen(args, stdout=log, stderr=log)
        cls.processes.append(process)
        return process

    @classmethod
    def _start(cls) -> None:
        client, peer = free_port(), free_port()
        cls.etcd = f"http://127.0.0.1:{client}"
        cls._spawn("etcd", ["etcd", "--name", "e1", "--data-dir", os.path.join(cls.directory, "etcd"),
                            "--listen-client-urls", cls.etcd, "--advertise-client-urls", cls.etcd,
                            "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                            "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                            "--initial-cluster", f"e1=http://127.0.0.1:{peer}"])
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{cls.etcd}/health", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        subprocess.run([cls.binary, "cluster", "init", "--etcd", cls.etcd, "--name", "py", "--shards", "s0,s1"],
                       check=True, capture_output=True)
        for shard in ("s0", "s1"):
            for letter, role in (("a", "role=primary"), ("b", "replication=sync")):
                cls._node(shard, shard + letter)
                wait_for(cls.ports[shard + letter], "CLUSTER INFO", role)
        wait_for(cls.ports["s0a"], "CLUSTER SLOTS", f"s1@127.0.0.1:{cls.ports['s1a']}")

    @classmethod
    def _node(cls, shard: str, node: str) -> None:
        port = cls.ports.setdefault(node, free_port())
        cls._spawn(node, [cls.binary, "--data", os.path.join(cls.directory, node), "--port", str(port),
                          "--log-level", "warning", "--cluster-etcd", cls.etcd, "--cluster-name", "py",
                          "--cluster-node", node, "--cluster-shard", shard,
                          "--cluster-advertise", f"127.0.0.1:{port}",
                          "--cluster-replication-listen", f"127.0.0.1:{free_port()}",
                          "--cluster-replication", "sync", "--cluster-secret", SECRET])

    @classmethod
    def tearDownClass(cls) -> None:
        for process in cls.processes:
            process.kill()
            process.wait()
        shutil.rmtree(cls.directory, ignore_errors=True)

    def addresses(self) -> List[str]:
        return [f"127.0.0.1:{p}" for p in self.ports.values()]

    def session_on(self, shard: int, prefix: str) -> str:
        """A session id whose slot is in shard s0 (slots 0-511) or s1 (512-1023)."""
        n = 0
        while (seatd.slot(f"{prefix}{n}") >= 512) != bool(shard):
            n += 1
        return f"{prefix}{n}"

    def test_routes_by_slot_and_follows_moved(self) -> None:
        c = seatd.Client(cluster=self.addresses())
        self.addCleanup(c.close)
        self.assertEqual(c.create_hall("ch", "A=6", "B=6"), 12)
        left, right = self.session_on(0, "left"), self.session_on(1, "right")
        for session in (left, right):
            c.create_session(session, "ch")
            self.assertEqual(c.hold(session, "ann", best=2, key=f"k-{session}").seats, ["A3", "A4"])
        self.assertEqual(c.router.moved_total, 0)  # CLUSTER SLOTS sent each to its primary first
        # SESSIONS covers the answering primary's shard only.
        listed = c.sessions()
        self.assertNotEqual(left in listed, right in listed)
        # The wire's MOVED, parsed: s0's primary names s1's for the right-hand session.
        moved = seatd.error_from_reply(ask(self.ports["s0a"], f"AVAIL {right}"))
        assert isinstance(moved, seatd.Moved)
        self.assertEqual((moved.slot, moved.address), (seatd.slot(right), f"127.0.0.1:{self.ports['s1a']}"))
        # A client that knows only s0's standby follows MOVED to each session's primary.
        single = seatd.Client(port=self.ports["s0b"])
        self.addCleanup(single.close)
        self.assertEqual(single.avail(left).held, 2)
        self.assertEqual(single.avail(right).held, 2)
        self.assertGreaterEqual(single.router.moved_total, 1)  # then CLUSTER SLOTS routes the rest

    def test_pipelines_span_the_shards(self) -> None:
        c = seatd.Client(cluster=self.addresses())
        self.addCleanup(c.close)
        c.create_hall("ph", "A=6")
        left, right = self.session_on(0, "pleft"), self.session_on(1, "pright")
        with c.pipeline() as p:
            p.create_session(left, "ph").create_session(right, "ph")
            p.hold(left, "ann", ["A1"]).hold(right, "bob", ["A2"]).avail(left).avail(right)
            replies = p.execute()
        self.assertEqual(replies[:2], [6, 6])
        self.assertEqual([replies[2].seats, replies[3].seats], [["A1"], ["A2"]])
        self.assertEqual([replies[4].held, replies[5].held], [1, 1])

        async def main() -> None:
            async with seatd.AsyncClient(cluster=self.addresses()) as a:
                p = a.pipeline()
                p.hold(right, "cy", ["A3"]).hold(left, "cy", ["A3"]).map(right).map(left)
                holds_and_maps = await p.execute()
                self.assertEqual([m.rows["A"] for m in holds_and_maps[2:]], [".hh...", "h.h..."])
                self.assertEqual(a.router.moved_total, 0)
        asyncio.run(main())

    def test_zz_keyed_hold_goes_through_a_failover(self) -> None:
        c = seatd.Client(cluster=self.addresses())
        self.addCleanup(c.close)
        c.create_hall("fh", "A=6")
        session = self.session_on(1, "fail")
        c.create_session(session, "fh")
        self.assertEqual(c.hold(session, "ann", ["A1"], key="before").seats, ["A1"])
        primary = list(self.ports).index("s1a") + 1  # processes: etcd, s0a, s0b, s1a, s1b
        replies: List[str] = []
        polling = threading.Thread(target=self._poll, args=(f"AVAIL {session}", replies), daemon=True)
        self.processes[primary].kill()
        self.processes[primary].wait()
        polling.start()
        hold = c.hold(session, "bob", ["A2"], key="after")  # waits out the takeover on s1b
        polling.join()
        self.assertEqual(hold.seats, ["A2"])
        self.assertEqual(c.avail(session).held, 2)
        # What s0's primary said about the session meanwhile: MOVED to the old primary, TRYAGAIN while s1 had
        # none (if the poll met that moment), then MOVED to the new one.
        kinds = sorted({r.split()[1] for r in replies if r.startswith("ERR ")})
        for reply in replies:
            if reply.startswith("ERR TRYAGAIN"):
                self.assertIsInstance(seatd.error_from_reply(reply), seatd.TryAgain)
        self.assertIsInstance(seatd.error_from_reply(replies[-1]), seatd.Moved)
        print(f"\ncluster failover: the client followed {c.router.moved_total} MOVED and {c.router.tryagain_total} "
              f"TRYAGAIN; s0's primary answered {kinds} meanwhile", end=" ")

    def _poll(self, line: str, replies: List[str]) -> None:
        """Asks s0's primary until it names s1's new primary."""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            replies.append(ask(self.ports["s0a"], line))
            if replies[-1].endswith(f"127.0.0.1:{self.ports['s1b']}"):
                return
            time.sleep(0.01)

    def test_zzz_tryagain_is_waited_out(self) -> None:
        """etcd paused: a primary whose lease went stale answers TRYAGAIN to everything until it renews."""
        c = seatd.Client(cluster=self.addresses())
        self.addCleanup(c.close)
        c.create_hall("th", "A=6")
        session = self.session_on(0, "stale")
        c.create_session(session, "th")
        etcd = self.processes[0]
        etcd.send_signal(signal.SIGSTOP)
        try:
            deadline, reply = time.monotonic() + 2.8, ""
            while time.monotonic() < deadline and not reply.startswith("ERR TRYAGAIN"):
                reply = ask(self.ports["s0a"], f"AVAIL {session}")
                time.sleep(0.01)
            if not reply.startswith("ERR TRYAGAIN"):
                self.skipTest(f"s0's primary did not answer TRYAGAIN while etcd was paused (last: {reply})")
            self.assertIsInstance(seatd.error_from_reply(reply), seatd.TryAgain)
            threading.Timer(0.3, etcd.send_signal, (signal.SIGCONT,)).start()
            self.assertEqual(c.hold(session, "ann", ["A1"], key="stale-1").seats, ["A1"])
        finally:
            etcd.send_signal(signal.SIGCONT)
        self.assertGreaterEqual(c.router.tryagain_total, 1)
