"""Uploaded photos: checked by content, re-encoded without metadata, stored as WebP renditions.

An upload is trusted only after Pillow has decoded it completely: the file name, the declared
content type and the first bytes prove nothing. Everything the uploader sent besides the pixels
(EXIF, GPS position, camera serials, colour profiles, comments) is dropped by re-encoding.
"""

from __future__ import annotations

import io
import secrets
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageCms, ImageOps

from marketplace.errors import ValidationError
from marketplace.media.storage import MediaStorage, get_storage


class StoredImage(Protocol):
    """What `picture_attrs` reads of an image row (a ProductImage, a RevisionPhoto…)."""

    storage_key: str
    width: int
    height: int


#: Formats accepted from uploaders, detected from the content.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
#: Widths of the stored WebP renditions: thumbnails, listing cards, product page.
RENDITION_WIDTHS = (320, 640, 1200)
WEBP_QUALITY = 78
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: 40 megapixels: more than any phone camera in use, far below a decompression bomb.
DEFAULT_MAX_PIXELS = 40_000_000
#: Narrower photos are useless on a product page (and the smallest rendition is this wide).
MIN_WIDTH = RENDITION_WIDTHS[0]
#: Longer side / shorter side. Stranger shapes are banners or attacks, not product photos.
MAX_ASPECT_RATIO = 10
RENDITION_PREFIX = "products/"
CONTENT_TYPE = "image/webp"

# Everything Pillow raises for a file it cannot decode (it is not consistent across formats).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, struct.error)


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class ProcessedImage:
    """The re-encoded renditions of one upload, smallest first; `width`/`height` of the largest."""

    width: int
    height: int
    source_format: str
    renditions: tuple[Rendition, ...]


def upload_limits(config: Mapping) -> dict[str, int]:
    """Keyword limits for process_upload from config (MEDIA_MAX_UPLOAD_BYTES, MEDIA_MAX_PIXELS)."""
    return {
        "max_bytes": int(config.get("MEDIA_MAX_UPLOAD_BYTES") or DEFAULT_MAX_BYTES),
        "max_pixels": int(config.get("MEDIA_MAX_PIXELS") or DEFAULT_MAX_PIXELS),
    }


def rendition_widths(max_width: int) -> tuple[int, ...]:
    """The widths stored for an image whose largest rendition is `max_width` wide (never upscaled)."""
    largest = min(max_width, RENDITION_WIDTHS[-1])
    return tuple(w for w in RENDITION_WIDTHS if w < largest) + (largest,)


def rendition_key(storage_key: str, width: int) -> str:
    """The object name of one rendition: `products/<storage_key>-<width>.webp`."""
    return f"{RENDITION_PREFIX}{storage_key}-{int(width)}.webp"


def best_width(max_width: int, wanted: int) -> int:
    """The smallest stored width at least `wanted` wide, or the largest there is."""
    widths = rendition_widths(max_width)
    return next((w for w in widths if w >= wanted), widths[-1])


def rendition_url(storage_key: str, width: int, storage: MediaStorage | None = None) -> str:
    """The URL of one rendition (the storage from the current app unless given)."""
    storage = storage or get_storage(current_app)
    return storage.url(rendition_key(storage_key, width))


def srcset(storage_key: str, max_width: int, storage: MediaStorage | None = None) -> str:
    """An `<img srcset>` value listing every stored rendition, e.g. `…-320.webp 320w, …-640.webp 640w`."""
    storage = storage or get_storage(current_app)
    return ", ".join(
        f"{storage.url(rendition_key(storage_key, w))} {w}w" for w in rendition_widths(max_width)
    )


def picture_attrs(image: StoredImage, *, wanted_width: int, storage: MediaStorage | None = None) -> dict:
    """`src`, `srcset`, `width`, `height` for an `<img>` showing `image` about `wanted_width` px wide."""
    storage = storage or get_storage(current_app)
    width = best_width(image.width, wanted_width)
    return {
        "src": rendition_url(image.storage_key, width, storage),
        "srcset": srcset(image.storage_key, image.width, storage),
        "width": width,
        "height": max(1, round(image.height * width / image.width)),
    }


def _too_large(max_bytes: int) -> ValidationError:
    megabytes = max(1, max_bytes // (1024 * 1024))
    return ValidationError(
        _("The photo is too large. Please upload a file of at most %(mb)s MB.", mb=megabytes), field="photo"
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        _("This file is not a photo we can use. Please upload a JPEG, PNG or WebP image."), field="photo"
    )


def _open_checked(data: bytes, max_pixels: int) -> Image.Image:
    """Open, verify and fully decode `data`; raise ValidationError for anything but a sound image."""

    def too_many_pixels() -> ValidationError:
        return ValidationError(
            _(
                "The photo has too many pixels. Please upload a picture of at most %(mp)s megapixels.",
                mp=max(1, max_pixels // 1_000_000),
            ),
            field="photo",
        )

    # Pillow itself refuses more than 2 x Image.MAX_IMAGE_PIXELS and warns above 1 x (an error
    # where warnings are errors, as in tests). Our cap is lower than both and checked from the
    # header, before any pixel is decoded. No warnings.catch_warnings here: it is not thread-safe.
    try:
        with Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS) as probe:
            if probe.format not in ALLOWED_FORMATS:
                raise _not_an_image()
            width, height = probe.size
            if width < 1 or height < 1 or width * height > max_pixels:
                raise too_many_pixels()
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        # JPEG can decode at 1/2, 1/4, 1/8 scale for free: no need for more than the largest rendition.
        image.draft("RGB", (RENDITION_WIDTHS[-1], RENDITION_WIDTHS[-1]))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_many_pixels() from error
    except _DECODE_ERRORS as error:
        # Truncated and corrupt files end up here, and so does anything that is not an image.
        if isinstance(error, Image.UnidentifiedImageError):
            raise _not_an_image() from error
        raise ValidationError(
            _("The photo file is damaged or incomplete. Please upload it again."), field="photo"
        ) from error
    if image.size[0] * image.size[1] > max_pixels:
        raise too_many_pixels()
    return image


def _shrink(image: Image.Image) -> Image.Image:
    """A big picture reduced by a whole factor (a cheap box filter) while both sides stay at least
    as long as the largest rendition is wide (whichever way EXIF turns it), before the colour
    conversion, flattening and resizing copy it: a 40 MP photo then costs a fraction of the time
    and memory. Metadata (`info`: EXIF orientation, colour profile) is kept for those steps."""
    factor = min(image.size) // RENDITION_WIDTHS[-1]
    if factor < 2 or image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    reduced = image.reduce(factor)
    reduced.info = dict(image.info)
    image.close()
    return reduced


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB (RGB or RGBA) with no embedded profile, whatever the upload's colour space."""
    icc = image.info.get("icc_profile")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode == "LA":
        image = image.convert("RGBA")
    elif image.mode in ("I;16", "I;16B", "I;16L", "I"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        image = image.convert("RGB")
        icc = None  # a grey or odd profile does not describe the converted pixels
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: treat the pixels as sRGB, as browsers do
    if image.mode == "CMYK":
        image = image.convert("RGB")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on a white background: product photos with transparency look right on every page."""
    if image.mode != "RGBA":
        return image if image.mode == "RGB" else image.convert("RGB")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def process_upload(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_pixels: int = DEFAULT_MAX_PIXELS
) -> ProcessedImage:
    """Check an uploaded photo by its content and re-encode it into WebP renditions.

    Only JPEG, PNG and WebP that decode completely are accepted. The result carries no EXIF,
    GPS or colour profile: orientation is applied to the pixels and colours converted to sRGB.
    Raises ValidationError (field "photo") for empty, oversize, non-image, damaged, too large
    in pixels (decompression bombs), narrower than MIN_WIDTH or absurdly shaped files.
    """
    if not data:
        raise ValidationError(_("The file is empty. Please choose a photo."), field="photo")
    if len(data) > max_bytes:
        raise _too_large(max_bytes)
    image = _open_checked(data, max_pixels)
    source_format = image.format or ""
    image = _shrink(image)
    try:
        try:
            oriented = ImageOps.exif_transpose(image)
        except _DECODE_ERRORS:
            oriented = image.copy()  # unreadable EXIF: keep the pixels as stored
        pixels = _flatten(_to_srgb(oriented))
        # Nothing from the upload's metadata (EXIF, GPS, ICC, comments) may reach the encoder.
        pixels.info = {}
    except _DECODE_ERRORS as error:
        raise ValidationError(
            _("The photo file is damaged or incomplete. Please upload it again."), field="photo"
        ) from error
    finally:
        image.close()

    width, height = pixels.size
    if width < MIN_WIDTH:
        raise ValidationError(
            _("The photo is too small. Please upload a picture at least %(px)s pixels wide.", px=MIN_WIDTH),
            field="photo",
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ValidationError(
            _("The photo is too long and narrow. Please crop it closer to the product."), field="photo"
        )
    renditions = []
    for target in rendition_widths(width):
        target_height = max(1, round(height * target / width))
        if target == width:
            resized = pixels
        else:
            resized = pixels.resize((target, target_height), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        # No exif/icc arguments: the WebP file carries pixels only.
        resized.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
        renditions.append(Rendition(target, target_height, buffer.getvalue()))
    largest = renditions[-1]
    return ProcessedImage(
        width=largest.width, height=largest.height, source_format=source_format, renditions=tuple(renditions)
    )


def new_storage_key() -> str:
    """A random, unguessable name for a new image (never the uploader's file name)."""
    return secrets.token_urlsafe(16)


def save_renditions(storage: MediaStorage, processed: ProcessedImage, storage_key: str) -> list[str]:
    """Write every rendition; if one fails, delete those already written and re-raise."""
    written: list[str] = []
    try:
        for rendition in processed.renditions:
            key = rendition_key(storage_key, rendition.width)
            storage.save(key, rendition.data, CONTENT_TYPE)
            written.append(key)
    except BaseException:
        delete_quietly(storage, written)
        raise
    return written


def delete_renditions(storage: MediaStorage, storage_key: str, max_width: int) -> None:
    """Delete every rendition of an image. Call after the commit that removed its ProductImage."""
    for width in rendition_widths(max_width):
        storage.delete(rendition_key(storage_key, width))


def delete_quietly(storage: MediaStorage, keys: list[str]) -> None:
    for key in keys:
        try:
            storage.delete(key)
        except OSError:
            pass  # the original error matters more; an orphan file with a random name is harmless
