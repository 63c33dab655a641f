"""The platform's Ed25519 signing key, generated once into the data directory."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def _load_or_create(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process won the race; use its key
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


@lru_cache(maxsize=8)
def signing_key(data_dir: str) -> Ed25519PrivateKey:
    return _load_or_create(Path(data_dir) / "keys" / "platform_ed25519.pem")


def public_key_pem(data_dir: str) -> str:
    pub = signing_key(data_dir).public_key()
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign_hex(data_dir: str, message: str) -> str:
    return signing_key(data_dir).sign(message.encode()).hex()


def verify_hex(public_key: Ed25519PublicKey, message: str, signature_hex: str) -> bool:
    try:
        public_key.verify(bytes.fromhex(signature_hex), message.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
