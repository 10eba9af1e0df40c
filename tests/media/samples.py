"""Image files for upload tests, good and hostile, generated in memory (nothing downloaded)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image, ImageChops, ImageDraw

GPS_MAKER = "PhoneCo-GPS-Test"


def jpeg(width: int = 2000, height: int = 1500, **save_args) -> bytes:
    image = Image.new("RGB", (width, height), (170, 60, 30))
    # Some structure, so the encoder has real work and truncation hits image data.
    for x in range(0, width, 40):
        image.paste((30, 90, 160), (x, 0, min(width, x + 15), height))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, **save_args)
    return buffer.getvalue()


def camera_jpeg(
    width: int = 4000, height: int = 3000, *, seed: int = 0, detail: float = 6.0, grain: float = 8.0
) -> bytes:
    """A phone camera's photo: 12 megapixels, about 4 MB of JPEG (quality 92), as the seller picks it.

    Most of a camera file is sensor grain, which any downscale averages away; `detail` is texture a
    few pixels wide that survives it and decides how heavy the 1600-px copy a browser makes is
    (6: about 150 KB of WebP, 10: about 300 KB). `seed` changes the colours. About half a second.
    """
    tile = 500  # the noise is drawn once on a tile and repeated: the same bytes to encode, far less work
    texture = Image.merge("RGB", [Image.effect_noise((tile // 4, tile // 4), detail) for _ in range(3)])
    texture = texture.resize((tile, tile), Image.Resampling.BICUBIC)
    fine = Image.merge("RGB", [Image.effect_noise((tile, tile), grain) for _ in range(3)])
    noise_tile = ImageChops.add(texture, fine, offset=-128)
    noise = Image.new("RGB", (width, height))
    for left in range(0, width, tile):
        for top in range(0, height, tile):
            noise.paste(noise_tile, (left, top))
    across = Image.linear_gradient("L").resize((width, height))
    down = Image.linear_gradient("L").rotate(90).resize((width, height))
    scene = Image.merge("RGB", (across, down, Image.new("L", (width, height), (60 + 70 * seed) % 256)))
    ImageDraw.Draw(scene).ellipse(
        (width // 4, height // 4, width * 3 // 4, height * 3 // 4), fill=(180, 120, 60)
    )
    buffer = io.BytesIO()
    ImageChops.add(scene, noise, offset=-128).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def jpeg_with_gps(width: int = 800, height: int = 600, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = GPS_MAKER
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {1: "S", 2: (8.0, 14.0, 30.5), 3: "E", 4: (114.0, 20.0, 1.0)}
    return jpeg(width, height, exif=exif)


def png_with_alpha(width: int = 400, height: int = 300) -> bytes:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))  # fully transparent…
    image.paste((200, 30, 30, 255), (width // 2, 0, width, height))  # …except the right half
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def gif(width: int = 100, height: int = 100) -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (width, height)).save(buffer, "GIF")
    return buffer.getvalue()


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A few dozen bytes of PNG that declare a gigantic 1-bit image."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _chunk(b"IEND", b"")
    )


def truncated_png() -> bytes:
    data = png_with_alpha(800, 600)
    return data[: len(data) * 2 // 3]


def truncated_jpeg() -> bytes:
    data = jpeg(1200, 900)
    return data[: len(data) // 2]


HTML_AS_JPEG = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
    b'<script>alert(1)</script><rect width="100" height="100"/></svg>'
)
# Looks like a JPEG to anything that checks only the first bytes.
HTML_WITH_JPEG_MAGIC = b"\xff\xd8\xff\xe0" + HTML_AS_JPEG
FIFTY_MB = b"\xff\xd8\xff\xe0" + b"\x00" * (50 * 1024 * 1024)


def stored_files(root) -> list[str]:
    """Every file under a media root, as relative names."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
