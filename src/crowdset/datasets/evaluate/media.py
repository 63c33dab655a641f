"""Read the media files records point at: decode images, read audio headers, parse MP4/MOV boxes.

Each file is inspected once (cached by reference) because image datasets often reference the same
file from several records (crops, multiple captions).

References come from the records, so they are untrusted: a dataset version uploaded to the platform
must not make the evaluator open, stat or hash a file of the server (the report would then say whether
the file exists, an image's size or whether a guessed SHA-256 is right). ``MediaInspector.resolve``
therefore accepts only a relative path that stays inside the media root, following symlinks only while
they point inside it, or a ``blob:<sha256>`` the caller's ``blobs`` lookup vouches for. Everything else
(absolute paths, ``..``, links out, URL schemes, NUL bytes, backslashes and drive letters) is refused
by looking at the text and at entries inside the root only, so the answer cannot depend on anything
outside it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import re
import stat
import struct
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, UnidentifiedImageError

Image.MAX_IMAGE_PIXELS = 200_000_000  # refuse decompression bombs beyond ~200 MP

REMOTE_SCHEMES = ("http://", "https://", "s3://", "oss://")
LEAVES = "media path leaves the dataset"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DRIVE = re.compile(r"^[A-Za-z]:")
_BLOB = re.compile(r"^blob:([0-9a-f]{64})$")
_MAX_LINKS = 40
BlobLookup = Callable[[str], "Path | None"]


class MediaRefused(ValueError):
    """A media reference that may not be opened; the message is the reason shown in the report."""


@dataclass(frozen=True, slots=True)
class MediaInfo:
    ok: bool
    reason: str | None = None  # why not ok
    size: int = 0
    width: int | None = None
    height: int | None = None
    sample_rate: int | None = None
    duration_s: float | None = None
    remote: bool = False
    digest: bytes | None = None  # content hash, for exact duplicates across file names
    refused: bool = False  # the reference was not followed at all (see MediaRefused)


def refusal(ref: str) -> str | None:
    """Why ``ref`` is refused from its text alone (None: a relative path worth walking, or remote)."""
    if "\x00" in ref:
        return "media path contains a NUL byte"
    if ref.startswith(REMOTE_SCHEMES):
        return None
    if _DRIVE.match(ref) or "\\" in ref:
        return f"{LEAVES} (Windows drive or backslash path): {ref[:200]}"
    if _SCHEME.match(ref):
        scheme = ref.split(":", 1)[0].lower()
        if scheme == "blob":
            return None
        return f"media reference with unsupported URL scheme {scheme!r}: only relative paths, blob:, " \
               f"http(s)://, s3:// and oss:// are accepted"
    if ref.startswith("/"):
        return f"{LEAVES} (absolute path): {ref[:200]}"
    if ".." in ref.split("/"):
        return f"{LEAVES} ('..' in the path): {ref[:200]}"
    return None


def contained(root: Path | str, ref: str) -> Path:
    """The file ``ref`` names inside ``root``, with every symlink resolved; raises MediaRefused.

    The walk looks only at entries inside ``root`` (``lstat``/``readlink``); a symlink whose target
    leaves the root is refused from its text without being followed, and a missing entry simply
    ends the walk (the caller's stat then reports "file not found"). So nothing outside the root is
    ever stat'ed or opened, whatever the reference says.
    """
    why = refusal(ref)
    if why:
        raise MediaRefused(why)
    if _SCHEME.match(ref):  # remote or blob: not a path under the root
        raise MediaRefused(f"{ref[:200]} is not a path inside the dataset")
    real_root = os.path.realpath(root)
    prefixes = {real_root, os.path.normpath(os.path.abspath(root))}
    cur = real_root
    pending = ref.split("/")
    links = 0
    while pending:
        name = pending.pop(0)
        if name in ("", "."):
            continue
        if name == "..":  # only from a symlink's target: cur is a real folder, so its parent is exact
            if cur == real_root:
                raise MediaRefused(f"{LEAVES} (symlink out of it): {ref[:200]}")
            cur = os.path.dirname(cur)
            continue
        nxt = os.path.join(cur, name)
        try:
            st = os.lstat(nxt)
        except (OSError, ValueError):
            return Path(nxt)  # missing inside the root (so is anything below it): the caller reports it
        if not stat.S_ISLNK(st.st_mode):
            cur = nxt
            continue
        links += 1
        if links > _MAX_LINKS:
            raise MediaRefused(f"{LEAVES} (symlink loop): {ref[:200]}")
        target = os.readlink(nxt)
        if "\x00" in target:
            raise MediaRefused(f"{LEAVES} (symlink out of it): {ref[:200]}")
        if os.path.isabs(target):
            base = next((p for p in prefixes if target == p or target.startswith(p.rstrip("/") + "/")), None)
            if base is None:
                raise MediaRefused(f"{LEAVES} (symlink out of it): {ref[:200]}")
            cur = real_root
            target = target[len(base):]
        pending = target.split("/") + pending
    return Path(cur)


class MediaInspector:
    def __init__(self, root: Path, settings: dict[str, Any] | None = None, blobs: BlobLookup | None = None) -> None:
        self.root = root
        self.settings = settings or {}
        self.blobs = blobs
        self._cache: dict[tuple[str, str], MediaInfo] = {}

    def resolve(self, ref: str) -> Path:
        """The file behind a local or ``blob:`` reference; raises MediaRefused for anything else."""
        m = _BLOB.match(ref)
        if m:
            path = self.blobs(m.group(1)) if self.blobs is not None else None
            if path is None:
                raise MediaRefused(f"blob reference not held by this dataset's organisation: {ref}")
            return path
        if ref.startswith("blob:"):
            raise MediaRefused(f"blob reference is not blob:<64 lower-case hex>: {ref[:80]}")
        return contained(self.root, ref)

    def open(self, ref: str) -> BinaryIO:
        """``resolve`` then open without following a last-moment symlink; a non-regular file is refused."""
        fd = os.open(self.resolve(ref), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise IsADirectoryError(f"not a regular file: {ref[:200]}")
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def inspect(self, media_type: str, ref: str) -> MediaInfo:
        key = (media_type, ref)
        info = self._cache.get(key)
        if info is None:
            info = self._inspect(media_type, ref)
            if len(self._cache) < 1_000_000:
                self._cache[key] = info
        return info

    def _inspect(self, media_type: str, ref: str) -> MediaInfo:
        if ref.startswith(REMOTE_SCHEMES) and "\x00" not in ref:
            return MediaInfo(True, remote=True)
        try:
            fh = self.open(ref)
        except MediaRefused as exc:
            return MediaInfo(False, str(exc), refused=True)
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return MediaInfo(False, f"file not found: {ref}")
        except OSError as exc:
            return MediaInfo(False, f"unreadable {media_type} {ref}: {exc}")
        with fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return MediaInfo(False, f"empty file: {ref}")
            suffix = Path(ref).suffix.lower()
            try:
                if size > MAX_HASHED_BYTES:  # huge files: header checks straight from disk, no content hash
                    return _decode(media_type, fh, suffix, size)
                data = fh.read()
            except OSError as exc:
                return MediaInfo(False, f"unreadable {media_type} {ref}: {exc}", size)
        info = _decode(media_type, io.BytesIO(data), suffix, size)
        return dataclasses.replace(info, digest=hashlib.blake2b(data, digest_size=16).digest())


MAX_HASHED_BYTES = 256 << 20


def _decode(media_type: str, fh: Any, suffix: str, size: int) -> MediaInfo:
    if media_type == "image":
        return _image(fh, size)
    if media_type == "audio":
        return _audio(fh, suffix, size)
    if media_type == "video":
        try:
            return _video(fh, suffix, size)
        except (struct.error, IndexError, OSError) as exc:
            return MediaInfo(False, f"video container unreadable: {exc}", size)
    return MediaInfo(True, size=size)


def _image(fh: Any, size: int) -> MediaInfo:
    try:
        with Image.open(fh) as im:
            w, h = im.size
            im.load()  # full decode: truncated files fail here, not at verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        return MediaInfo(False, f"image does not decode: {type(exc).__name__}: {exc}", size)
    return MediaInfo(True, size=size, width=w, height=h)


def _audio(fh: Any, suffix: str, size: int) -> MediaInfo:
    try:
        import soundfile as sf

        with sf.SoundFile(fh) as f:
            frames, rate = f.frames, f.samplerate
            if frames <= 0 or rate <= 0:
                return MediaInfo(False, "audio has no frames", size)
            f.read(frames=min(1024, frames))
        return MediaInfo(True, size=size, sample_rate=int(rate), duration_s=frames / rate)
    except ImportError:
        pass
    except Exception as exc:  # soundfile raises LibsndfileError/RuntimeError variants by version
        if suffix != ".wav":
            return MediaInfo(False, f"audio does not decode: {exc}", size)
    fh.seek(0)
    try:
        with wave.open(fh, "rb") as w:
            frames, rate = w.getnframes(), w.getframerate()
            w.readframes(min(1024, frames))
    except (wave.Error, EOFError) as exc:
        return MediaInfo(False, f"audio does not decode: {exc}", size)
    if frames <= 0 or rate <= 0:
        return MediaInfo(False, "audio has no frames", size)
    return MediaInfo(True, size=size, sample_rate=rate, duration_s=frames / rate)


def _video(fh: Any, suffix: str, size: int) -> MediaInfo:
    """Duration and frame size from MP4/MOV boxes (mvhd, tkhd); other containers: readable only."""
    if suffix not in (".mp4", ".mov", ".m4v"):
        return MediaInfo(True, size=size)
    moov = _find_box(fh, 0, size, b"moov")
    if moov is None:
        return MediaInfo(False, "MP4/MOV without a moov box (truncated or not a video)", size)
    start, end = moov
    duration = None
    width = height = None
    mvhd = _find_box(fh, start, end, b"mvhd")
    if mvhd:
        fh.seek(mvhd[0])
        ver = fh.read(4)[0]
        if ver == 1:
            fh.seek(16, 1)
            scale, dur = struct.unpack(">IQ", fh.read(12))
        else:
            fh.seek(8, 1)
            scale, dur = struct.unpack(">II", fh.read(8))
        duration = dur / scale if scale else None
    pos = start
    while pos < end:
        trak = _find_box(fh, pos, end, b"trak")
        if trak is None:
            break
        tkhd = _find_box(fh, trak[0], trak[1], b"tkhd")
        if tkhd:
            fh.seek(tkhd[1] - 8)
            w, h = struct.unpack(">II", fh.read(8))
            if w and h:
                width, height = w >> 16, h >> 16
                break
        pos = trak[1]
    if not duration:
        return MediaInfo(False, "video has zero duration", size)
    return MediaInfo(True, size=size, width=width, height=height, duration_s=duration)


def _find_box(fh: Any, start: int, end: int, name: bytes) -> tuple[int, int] | None:
    """(payload start, box end) of the first ``name`` box among siblings in [start, end)."""
    pos = start
    while pos + 8 <= end:
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            return None
        size, kind = struct.unpack(">I4s", head)
        hdr = 8
        if size == 1:
            size = struct.unpack(">Q", fh.read(8))[0]
            hdr = 16
        elif size == 0:
            size = end - pos
        if size < hdr:
            return None
        if kind == name:
            return pos + hdr, min(pos + size, end)
        pos += size
    return None
