"""A signed checkpoint of the ledger's head, kept outside the database.

The hash chain alone cannot show that its last entries were deleted: what is left is still a valid
chain. So after every transaction that appended entries commits, the head (seq, hash, time, key id)
is Ed25519-signed and written to ``<keys folder>/ledger-checkpoint.jsonl``. Someone who can change
the database but not the keys folder can no longer drop the tail or rewrite the last entry unnoticed.

- **Only after the commit**: never ahead of the database (``verify`` reads "checkpoint beyond the
  head" as a deleted tail). It may trail by one commit after a crash between commit and write.
- **Only ever advanced**, under an exclusive ``flock`` on ``ledger-checkpoint.lock`` (backed by a
  thread mutex, since ``flock`` does not exclude threads sharing an open file), so concurrent
  processes and threads never move it back.
- **Atomic without a rename per commit**: each checkpoint is one line appended with ``O_APPEND``
  (one ``write``); the current checkpoint is the last complete line. Replacing a whole file (temporary
  file + rename) cost 1-1.5 ms per commit on this machine, next to SQLite's own writes — a third of a
  submit — while the append costs ~0.05 ms. A line cut short by a crash is ignored (the one before it
  counts). Every ``COMPACT_AT`` bytes the file is rewritten as its last line (temporary file + rename).
- **No fsync**: it would cost ~6 ms more, and a checkpoint lost to a power cut only makes the next
  check weaker. (On SQLite, whose commits are not fsynced either — ``synchronous=NORMAL`` — a power cut
  can lose the last commits while their checkpoint survives; verify then truthfully reports them gone.)
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crowdset.ledger.chain import canonical_json, iso
from crowdset.ledger.keys import CHECKPOINT_FILE, KeyRecord, key_id, signing_key, verify_hex

LOCK_FILE = "ledger-checkpoint.lock"
COMPACT_AT = 256 * 1024
_TAIL = 4096  # a checkpoint line is ~330 bytes: the last complete one is in the file's last 4 KiB


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    time: str
    key_id: str
    signature: str

    def body(self) -> str:
        """The signed text: canonical JSON of everything but the signature."""
        return canonical_json({"seq": self.seq, "hash": self.hash, "time": self.time, "key_id": self.key_id})

    def line(self) -> bytes:
        return (json.dumps({"seq": self.seq, "hash": self.hash, "time": self.time, "key_id": self.key_id,
                            "signature": self.signature}) + "\n").encode()

    def verify(self, keys: list[KeyRecord]) -> str | None:
        """None when the signature holds with a key allowed to sign at ``seq``, else why not.

        Allowed: the key in force at ``seq`` or a newer one (a rotation re-signs the checkpoint, and a
        commit just before a rotation may be checkpointed with the new key). A retired key is not: it
        may have leaked."""
        for k in keys:
            if k.key_id == self.key_id:
                if k.to_seq is not None and k.to_seq < self.seq:
                    return f"signed with key {k.key_id}, retired after #{k.to_seq}"
                return None if verify_hex(k.public_key, self.body(), self.signature) else "signature invalid"
        return f"signed with key {self.key_id}, which is not in the keyring"


def path_of(keys_dir: Path | str) -> Path:
    return Path(keys_dir) / CHECKPOINT_FILE


def _parse(line: bytes, path: Path) -> Checkpoint:
    try:
        d = json.loads(line)
        return Checkpoint(int(d["seq"]), str(d["hash"]), str(d["time"]), str(d["key_id"]), str(d["signature"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: the last checkpoint is unreadable ({exc})") from None


def _last(path: Path, fh: object) -> Checkpoint | None:
    """The last complete line of the open file ``fh`` (positioned anywhere), or None when there is none."""
    size = os.fstat(fh.fileno()).st_size  # type: ignore[attr-defined]
    start = max(0, size - _TAIL)
    fh.seek(start)  # type: ignore[attr-defined]
    tail = fh.read()  # type: ignore[attr-defined]
    end = tail.rfind(b"\n")
    if end < 0:
        return None  # empty, or a first line cut short by a crash
    begin = tail.rfind(b"\n", 0, end) + 1
    if begin == 0 and start > 0:
        raise ValueError(f"{path}: the last line is longer than {_TAIL} bytes")
    return _parse(tail[begin:end], path)


def read(keys_dir: Path | str) -> Checkpoint | None:
    """The current checkpoint (the last complete line), or None when there is none. ValueError when it
    cannot be read."""
    path = path_of(keys_dir)
    try:
        with open(path, "rb") as fh:
            return _last(path, fh)
    except FileNotFoundError:
        return None


def sign(key: Ed25519PrivateKey, seq: int, head_hash: str, at: datetime) -> Checkpoint:
    unsigned = Checkpoint(seq, head_hash, iso(at), key_id(key.public_key()), "")
    return Checkpoint(seq, head_hash, unsigned.time, unsigned.key_id, key.sign(unsigned.body().encode()).hex())


class _Writer:
    """One keys folder's checkpoint writer in this process. The lock file stays open (reopened after a
    fork, which would share it) and the stored seq is remembered per file identity (inode and size),
    so a commit after this process's own last one neither reads nor parses the file."""

    def __init__(self, keys_dir: str) -> None:
        os.makedirs(keys_dir, mode=0o700, exist_ok=True)
        self.keys_dir = keys_dir
        self.path = os.path.join(keys_dir, CHECKPOINT_FILE)
        self.lock_path = os.path.join(keys_dir, LOCK_FILE)
        self.mutex = threading.Lock()
        self.fd: int | None = None
        self.pid = 0
        self.stamp: tuple[int, int] | None = None
        self.seq = 0
        self.clean_end = True  # the file ends with a newline (not with a line a crash cut short)

    def _lock_fd(self) -> int:
        if self.fd is None or self.pid != os.getpid():
            self.fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self.pid = os.getpid()
        return self.fd

    def _stored_seq(self) -> int:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return 0
        if (st.st_ino, st.st_size) != self.stamp:
            try:
                with open(self.path, "rb") as fh:
                    current = _last(Path(self.path), fh)
                    fh.seek(max(0, st.st_size - 1))
                    self.clean_end = fh.read(1) in (b"\n", b"")
            except ValueError:
                current = None  # unreadable: the next line written supersedes it
            self.stamp, self.seq = (st.st_ino, st.st_size), current.seq if current is not None else 0
        return self.seq

    def advance(self, seq: int, head_hash: str, at: datetime) -> bool:
        with self.mutex:
            fd = self._lock_fd()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                if self._stored_seq() >= seq:
                    return False
                line = sign(signing_key(self.keys_dir), seq, head_hash, at).line()
                if not self.clean_end:
                    line = b"\n" + line  # end the fragment a crash left, so it is never the last line
                if self.stamp is not None and self.stamp[1] + len(line) > COMPACT_AT:
                    tmp = f"{self.path}.{os.getpid()}.tmp"
                    out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    try:
                        os.write(out, line)
                    finally:
                        os.close(out)
                    os.replace(tmp, self.path)
                else:
                    out = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                    try:
                        before = os.fstat(out).st_size
                        if os.write(out, line) != len(line):  # a full disk: take the fragment back
                            os.ftruncate(out, before)
                            raise OSError(f"short write to {self.path}")
                    finally:
                        os.close(out)
                st = os.stat(self.path)
                self.stamp, self.seq, self.clean_end = (st.st_ino, st.st_size), seq, True
                return True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)


_writers: dict[tuple[int, str], _Writer] = {}
_writers_lock = threading.Lock()


def advance(keys_dir: Path | str, seq: int, head_hash: str, at: datetime) -> bool:
    """Write a checkpoint at (seq, head_hash) unless the stored one is already at or past ``seq``.
    Returns whether it wrote."""
    key = (os.getpid(), str(keys_dir))  # a forked child gets its own writer (and its own locks)
    writer = _writers.get(key)
    if writer is None:
        with _writers_lock:
            writer = _writers.setdefault(key, _Writer(key[1]))
    return writer.advance(seq, head_hash, at)
