"""Read the media files records point at: decode images, read audio headers, parse MP4/MOV boxes.

Each file is inspected once (cached by resolved path) because image datasets often reference the same
file from several records (crops, multiple captions).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

Image.MAX_IMAGE_PIXELS = 200_000_000  # refuse decompression bombs beyond ~200 MP


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


class MediaInspector:
    def __init__(self, root: Path, settings: dict[str, Any] | None = None) -> None:
        self.root = root
        self.settings = settings or {}
        self._cache: dict[tuple[str, str], MediaInfo] = {}

    def resolve(self, ref: str) -> Path:
        p = Path(ref)
        return p if p.is_absolute() else self.root / p

    def inspect(self, media_type: str, ref: str) -> MediaInfo:
        key = (media_type, ref)
        info = self._cache.get(key)
        if info is None:
            info = self._inspect(media_type, ref)
            if len(self._cache) < 1_000_000:
                self._cache[key] = info
        return info

    def _inspect(self, media_type: str, ref: str) -> MediaInfo:
        if ref.startswith(("http://", "https://", "s3://", "oss://")):
            return MediaInfo(True, remote=True)
        path = self.resolve(ref)
        try:
            size = path.stat().st_size
        except OSError:
            return MediaInfo(False, f"file not found: {ref}")
        if size == 0:
            return MediaInfo(False, f"empty file: {ref}")
        try:
            if size > MAX_HASHED_BYTES:  # huge files: header checks straight from disk, no content hash
                with path.open("rb") as fh:
                    return _decode(media_type, fh, path.suffix.lower(), size)
            data = path.read_bytes()
        except OSError as exc:
            return MediaInfo(False, f"unreadable {media_type} {ref}: {exc}", size)
        info = _decode(media_type, io.BytesIO(data), path.suffix.lower(), size)
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
