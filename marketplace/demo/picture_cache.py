"""The demo pictures' renditions kept on disk between processes (`DEMO_PICTURES_CACHE`), when set.

Drawing a demo picture is cheap; running it through the upload pipeline (decode, resize, WebP at
three widths) costs ~150 ms of CPU, ~15 s for the demo's hundred pictures. A process that seeds
after another one (the test suite's workers, and the `make run` it starts) reads the renditions the
first one stored. Entries are keyed by the drawn JPEG and the pipeline's settings, so a changed
drawing or encoder setting is a miss, never a stale picture. Unset (the default), nothing is kept.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from marketplace.media.images import RENDITION_WIDTHS, WEBP_QUALITY, ProcessedImage, Rendition

_PIPELINE = f"widths={RENDITION_WIDTHS};quality={WEBP_QUALITY}".encode()


def cache_key(source: bytes) -> str:
    return hashlib.sha256(_PIPELINE + b"\0" + source).hexdigest()


class PictureCache:
    """A directory of processed pictures: `<key>/meta.json` and one `<width>.webp` per rendition."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Held while a process fills the cache, so a second seeder waits and then reads."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self, key: str) -> ProcessedImage | None:
        entry = self.directory / key
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            renditions = tuple(
                Rendition(width, height, (entry / f"{width}.webp").read_bytes())
                for width, height in meta["renditions"]
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return ProcessedImage(meta["width"], meta["height"], meta["source_format"], renditions)

    def store(self, key: str, picture: ProcessedImage) -> None:
        """Write the entry in a temporary folder, then rename it into place: readers see all or nothing."""
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=self.directory, prefix=".new-"))
        for rendition in picture.renditions:
            (staging / f"{rendition.width}.webp").write_bytes(rendition.data)
        meta = {
            "width": picture.width,
            "height": picture.height,
            "source_format": picture.source_format,
            "renditions": [[r.width, r.height] for r in picture.renditions],
        }
        (staging / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            staging.rename(self.directory / key)
        except OSError:  # another process stored the same picture first
            for path in staging.iterdir():
                path.unlink()
            staging.rmdir()
