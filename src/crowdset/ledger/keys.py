"""The platform's Ed25519 ledger keys, kept in the keys folder (``Settings.keys_dir``, mode 0700).

Files in the keys folder:

- ``platform_ed25519.pem``: the private key in force (0600), generated on first use;
- ``ledger-keyring.json``: every public key the ledger was ever signed with and the range of entries
  (``from_seq``..``to_seq``) each signed. Written at the first rotation; until then the keyring is
  implicit: the one key, from entry #1.

A key that may have leaked is replaced with ``crowdset ledger rotate-key`` (``service.rotate_key``):
the new key signs a ``ledger.key_rotated`` entry, the old key cross-signs it, the old private key is
destroyed and its public key stays in the keyring so the entries it signed remain verifiable.

The key file is re-read when it changes (a rotation in another process): every append stats it, after
taking the chain-head lock, so no process signs with a retired key.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from crowdset.errors import CrowdsetError
from crowdset.messages import msg

KEY_FILE = "platform_ed25519.pem"
KEYRING_FILE = "ledger-keyring.json"
CHECKPOINT_FILE = "ledger-checkpoint.jsonl"  # written by ledger.checkpoint; its presence means "in use"


class KeyUnavailable(CrowdsetError):
    """The ledger cannot be signed: the key file is gone although the ledger already used one."""

    status, title, slug = 503, "Ledger key unavailable", "ledger-key-unavailable"


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    public_key: Ed25519PublicKey
    pem: str
    from_seq: int
    to_seq: int | None  # None: the key in force
    created_at: str | None = None
    retired_at: str | None = None

    def covers(self, seq: int) -> bool:
        return self.from_seq <= seq and (self.to_seq is None or seq <= self.to_seq)

    def as_dict(self) -> dict[str, object]:
        return {"key_id": self.key_id, "public_key": self.pem, "from_seq": self.from_seq, "to_seq": self.to_seq,
                "created_at": self.created_at, "retired_at": self.retired_at}


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """Short, stable name of a public key: the first 16 hex digits of SHA-256 over its 32 raw bytes."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()[:16]


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_pem(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _ensure_dir(keys_dir: Path) -> None:
    keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)


def write_private(path: Path, pem: bytes, exclusive: bool) -> None:
    """Write a secret file with mode 0600 from the start (never readable by others, even briefly)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())


def _load_or_create(keys_dir: Path) -> Ed25519PrivateKey:
    path = keys_dir / KEY_FILE
    if not path.exists():
        if (keys_dir / KEYRING_FILE).exists() or (keys_dir / CHECKPOINT_FILE).exists():
            # A new key would silently orphan every signature made so far.
            raise KeyUnavailable(msg("ledger.key_missing", path=str(path)))
        _ensure_dir(keys_dir)
        try:
            write_private(path, _private_pem(Ed25519PrivateKey.generate()), exclusive=True)
        except FileExistsError:  # another process won the race; use its key
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnavailable(msg("ledger.key_not_ed25519", path=str(path)))
    return key


_cache: dict[str, tuple[tuple[int, int, int], Ed25519PrivateKey]] = {}
_cache_lock = threading.Lock()


def signing_key(keys_dir: Path | str) -> Ed25519PrivateKey:
    """The private key in force, re-read whenever its file changed (inode, size or mtime): one stat
    per call (plain strings, not pathlib: this runs on every append)."""
    folder = str(keys_dir)
    try:
        st = os.stat(os.path.join(folder, KEY_FILE))
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        stamp = None
    hit = _cache.get(folder)
    if hit is not None and stamp is not None and hit[0] == stamp:
        return hit[1]
    with _cache_lock:
        key = _load_or_create(Path(folder))
        st = os.stat(os.path.join(folder, KEY_FILE))
        _cache[folder] = ((st.st_ino, st.st_size, st.st_mtime_ns), key)
        return key


def forget_cached_keys() -> None:
    with _cache_lock:
        _cache.clear()


def public_key_pem(keys_dir: Path | str) -> str:
    return public_pem(signing_key(keys_dir).public_key())


def sign_hex(keys_dir: Path | str, message: str) -> str:
    return signing_key(keys_dir).sign(message.encode()).hex()


def verify_hex(public_key: Ed25519PublicKey, message: str, signature_hex: str) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), message.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


# ---------------------------------------------------------------- keyring


def _record(d: dict) -> KeyRecord:  # noqa: ANN401 - parsed JSON
    pub = load_public_pem(str(d["public_key"]))
    rid = key_id(pub)
    if d.get("key_id") not in (None, rid):
        raise ValueError(f"key id {d.get('key_id')} does not match its public key ({rid})")
    to_seq = d.get("to_seq")
    return KeyRecord(rid, pub, public_pem(pub), int(d["from_seq"]), int(to_seq) if to_seq is not None else None,
                     d.get("created_at"), d.get("retired_at"))


def read_keyring(keys_dir: Path | str) -> list[KeyRecord]:
    """The keyring file's records in order, or [] when there is none (no rotation yet).

    Raises ValueError when the file is unreadable or its ranges are not contiguous from #1."""
    path = Path(keys_dir) / KEYRING_FILE
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    records = sorted((_record(d) for d in data["keys"]), key=lambda r: r.from_seq)
    expected = 1
    for i, r in enumerate(records):
        last = i == len(records) - 1
        if r.from_seq != expected or (r.to_seq is None) != last or (r.to_seq is not None and r.to_seq < r.from_seq - 1):
            raise ValueError(f"{path}: key {r.key_id} covers #{r.from_seq}..{r.to_seq}, "
                             f"expected to start at #{expected}"
                             + ("" if not last else " and to be open-ended"))
        expected = (r.to_seq or 0) + 1
    return records


def keyring(keys_dir: Path | str, create: bool = True) -> list[KeyRecord]:
    """Every key with the range of entries it signs: the keyring file, else the current key from #1
    (made now unless ``create`` is false: a check must not conjure up a key; then [])."""
    records = read_keyring(keys_dir)
    if records:
        return records
    if not create and not (Path(keys_dir) / KEY_FILE).exists():
        return []
    pub = signing_key(keys_dir).public_key()
    return [KeyRecord(key_id(pub), pub, public_pem(pub), 1, None)]


def write_keyring(keys_dir: Path, records: list[KeyRecord]) -> None:
    _ensure_dir(keys_dir)
    path = keys_dir / KEYRING_FILE
    tmp = path.with_name(path.name + ".tmp")
    body = json.dumps({"keys": [r.as_dict() for r in records]}, indent=2, ensure_ascii=False).encode()
    write_private(tmp, body, exclusive=False)
    os.replace(tmp, path)


def rotation_message(seq: int, old: Ed25519PublicKey, new: Ed25519PublicKey) -> str:
    """What the retiring key signs to hand over to the new one at entry ``seq`` (its cross-signature)."""
    return f"crowdset-ledger-key-rotation:{seq}:{raw_public(old).hex()}:{raw_public(new).hex()}"


@dataclass
class Rotation:
    """A rotation whose files are written but whose ledger entry has not committed yet."""

    keys_dir: Path
    old_key: Ed25519PrivateKey
    new_key: Ed25519PrivateKey
    seq: int
    old_keyring: bytes | None  # the keyring file's bytes before, None when there was none

    def restore(self) -> None:
        """Undo the files (the rotation's transaction rolled back): the old key is in force again."""
        write_private(self.keys_dir / (KEY_FILE + ".tmp"), _private_pem(self.old_key), exclusive=False)
        os.replace(self.keys_dir / (KEY_FILE + ".tmp"), self.keys_dir / KEY_FILE)
        ring = self.keys_dir / KEYRING_FILE
        if self.old_keyring is None:
            ring.unlink(missing_ok=True)
        else:
            write_private(ring.with_name(ring.name + ".tmp"), self.old_keyring, exclusive=False)
            os.replace(ring.with_name(ring.name + ".tmp"), ring)


def install_new_key(keys_dir: Path, seq: int, now_iso: str) -> Rotation:
    """Generate a key that takes over at entry ``seq``: the keyring gains it (the old key's range ends
    at ``seq - 1``) and it replaces the private key file. Called while holding the chain-head lock,
    so no other process appends between the switch and the rotation entry."""
    old_key = signing_key(keys_dir)
    records = keyring(keys_dir)
    ring_path = keys_dir / KEYRING_FILE
    old_ring = ring_path.read_bytes() if ring_path.exists() else None
    new_key = Ed25519PrivateKey.generate()
    new_pub = new_key.public_key()
    current = records[-1]
    if current.key_id != key_id(old_key.public_key()):
        raise KeyUnavailable(msg("ledger.key_not_current", key=current.key_id))
    retired = KeyRecord(current.key_id, current.public_key, current.pem, current.from_seq, seq - 1,
                        current.created_at, now_iso)
    fresh = KeyRecord(key_id(new_pub), new_pub, public_pem(new_pub), seq, None, now_iso)
    rotation = Rotation(keys_dir, old_key, new_key, seq, old_ring)
    write_keyring(keys_dir, [*records[:-1], retired, fresh])
    tmp = keys_dir / (KEY_FILE + ".tmp")
    write_private(tmp, _private_pem(new_key), exclusive=False)
    os.replace(tmp, keys_dir / KEY_FILE)  # the old private key is gone: a leaked copy signs nothing valid
    return rotation
