"""The journal of signed records on SQLite: signing (one entry appended to the hash chain in
its own transaction, as a person signs) and ``journal verify`` over the whole chain, each
against a floor: the same rows written/read with the stdlib ``sqlite3`` and ``hashlib`` (no
ORM, no chain lookup), so the ratio shows what the journal's bookkeeping costs."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.stats import report, timed_runs
from records import journal
from store.db import make_engine, session_factory, upgrade

SIGNS = 200  # signatures per timed run (a year of three shifts' handovers is ~1,100)
CHAIN = 20_000  # entries verified (about 18 years of a busy room's duty records)
RUNS = 5
NOW = datetime(2026, 11, 21, tzinfo=UTC)


def _content(i: int) -> dict[str, object]:
    return {"room": "A101", "items": [{"title": f"项目 {n}", "result": "pass", "value": n * 1.5}
                                      for n in range(20)], "notes": f"第 {i} 班正常"}  # fmt: skip


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        factory = session_factory(engine)
        counter = iter(range(10**7))

        def sign() -> None:
            for _ in range(SIGNS):
                i = next(counter)
                with factory() as s, s.begin():
                    journal.freeze(s, kind="inspection", record_id=i, content=_content(i),
                                   signer="duty", address="127.0.0.1",
                                   now=NOW + timedelta(seconds=i))  # fmt: skip

        mine_sign = timed_runs(sign, RUNS)
        with factory() as s, s.begin():  # fill the chain up to CHAIN entries for verify
            for i in range(next(counter), CHAIN):
                journal.append(s, kind="handover", record_id=i, action="sign",
                               content=_content(i), signer="duty", address="127.0.0.1",
                               now=NOW + timedelta(seconds=i))  # fmt: skip

        def verify() -> None:
            with factory() as s:
                assert journal.verify(s).ok

        mine_verify = timed_runs(verify, RUNS)
        engine.dispose()

        con = sqlite3.connect(Path(tmp) / "floor.db")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("CREATE TABLE j (seq INTEGER PRIMARY KEY, content TEXT, hash TEXT)")
        seq = iter(range(1, 10**7))

        def floor_sign() -> None:
            for _ in range(SIGNS):
                i = next(seq)
                body = json.dumps(_content(i), sort_keys=True, ensure_ascii=False)
                with con:
                    con.execute("INSERT INTO j VALUES (?,?,?)",
                                (i, body, hashlib.sha256(body.encode()).hexdigest()))  # fmt: skip

        floor_signs = timed_runs(floor_sign, RUNS)
        with con:
            start = con.execute("SELECT max(seq) FROM j").fetchone()[0] + 1
            con.executemany(
                "INSERT INTO j VALUES (?,?,?)",
                ((i, json.dumps(_content(i)), "") for i in range(start, CHAIN + 1)),
            )

        def floor_verify() -> None:
            for (body,) in con.execute("SELECT content FROM j ORDER BY seq"):
                hashlib.sha256(body.encode()).hexdigest()

        floor_verifies = timed_runs(floor_verify, RUNS)
        con.close()
    per_sign = sorted(mine_sign)[len(mine_sign) // 2] / SIGNS * 1000
    return [
        report(
            f"journal: {SIGNS} signatures, one transaction each (SQLite)",
            mine_sign,
            floor_signs,
            "sqlite3+sha256 insert floor",
        ),
        f"  = {per_sign:.2f} ms per signature",
        report(
            f"journal verify: chain of {CHAIN} entries (SQLite)",
            mine_verify,
            floor_verifies,
            "sqlite3+sha256 read floor",
        ),
    ]
