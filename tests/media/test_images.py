"""Uploads are checked by content and re-encoded; hostile files are refused and leave no trace."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace.catalogue.models import Product, ProductImage
from marketplace.catalogue.photos import store_product_image
from marketplace.errors import ValidationError
from marketplace.media import images
from marketplace.media.images import process_upload, rendition_key, rendition_widths, srcset
from marketplace.media.storage import LocalStorage
from tests.factories import make_product
from tests.media import samples
from tests.media.samples import stored_files

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000}

HOSTILE = {
    "html-named-jpg": (samples.HTML_AS_JPEG, "not a photo"),
    # Starts like a JPEG, so the decoder gets further before it gives up.
    "html-with-jpeg-magic": (samples.HTML_WITH_JPEG_MAGIC, "damaged or incomplete"),
    "svg": (samples.SVG, "not a photo"),
    "gif": (samples.gif(), "not a photo"),
    "bomb-huge": (samples.png_bomb(100_000, 100_000), "too many pixels"),
    "bomb-just-over-pillow-limit": (samples.png_bomb(10_000, 10_000), "too many pixels"),
    "bomb-over-our-cap": (samples.png_bomb(8_000, 8_000), "too many pixels"),
    "truncated-jpeg": (samples.truncated_jpeg(), "damaged or incomplete"),
    "truncated-png": (samples.truncated_png(), "damaged or incomplete"),
    "header-says-50-mp": (samples.png_bomb(10_000, 5_000), "too many pixels"),
    "fifty-mb": (samples.FIFTY_MB, "too large"),
    "empty": (b"", "empty"),
}


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_files_are_refused_with_a_clear_message(name):
    data, message = HOSTILE[name]
    with pytest.raises(ValidationError) as error:
        process_upload(data, **LIMITS)
    assert message in error.value.message
    assert error.value.field == "photo"


def test_pixel_cap_applies_to_real_images():
    with pytest.raises(ValidationError, match="too many pixels"):
        process_upload(samples.jpeg(2000, 1500), max_bytes=LIMITS["max_bytes"], max_pixels=1_000_000)


def test_size_cap_is_checked_before_decoding():
    data = samples.jpeg(400, 300)
    with pytest.raises(ValidationError, match="too large"):
        process_upload(data, max_bytes=len(data) - 1, max_pixels=LIMITS["max_pixels"])


def test_too_small_photos_are_refused():
    with pytest.raises(ValidationError, match="too small"):
        process_upload(samples.jpeg(300, 400), **LIMITS)


def test_absurd_shapes_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 100), "white").save(buffer, "PNG")
    with pytest.raises(ValidationError, match="long and narrow"):
        process_upload(buffer.getvalue(), **LIMITS)


def test_large_jpeg_gives_three_webp_renditions_never_upscaled():
    processed = process_upload(samples.jpeg(2000, 1500), **LIMITS)
    assert [(r.width, r.height) for r in processed.renditions] == [(320, 240), (640, 480), (1200, 900)]
    assert (processed.width, processed.height) == (1200, 900)
    assert processed.source_format == "JPEG"
    for rendition in processed.renditions:
        image = _open(rendition.data)
        assert image.format == "WEBP"
        assert image.size == (rendition.width, rendition.height)
        assert image.mode == "RGB"


def test_small_image_is_not_upscaled():
    processed = process_upload(samples.jpeg(500, 400), **LIMITS)
    assert [(r.width, r.height) for r in processed.renditions] == [(320, 256), (500, 400)]
    assert rendition_widths(500) == (320, 500)
    assert rendition_widths(1200) == (320, 640, 1200)
    assert rendition_widths(200) == (200,)


def test_exif_and_gps_are_stripped_and_orientation_applied():
    original = samples.jpeg_with_gps(800, 600, orientation=6)
    assert samples.GPS_MAKER.encode() in original  # the test file really carries the metadata
    assert _open(original).getexif().get_ifd(0x8825)

    processed = process_upload(original, **LIMITS)
    for rendition in processed.renditions:
        assert samples.GPS_MAKER.encode() not in rendition.data
        assert b"Exif" not in rendition.data
        image = _open(rendition.data)
        assert not image.getexif()
        assert "exif" not in image.info and "icc_profile" not in image.info
    # Orientation 6 means "rotate 90°": the stored pixels are 800x600, the photo is portrait.
    assert (processed.width, processed.height) == (600, 800)


def test_png_with_alpha_becomes_rgb_on_white():
    processed = process_upload(samples.png_with_alpha(400, 300), **LIMITS)
    image = _open(processed.renditions[-1].data).convert("RGB")
    assert processed.source_format == "PNG"
    left = image.getpixel((10, 150))
    right = image.getpixel((390, 150))
    assert all(channel > 245 for channel in left)  # transparent → white
    assert right[0] > 150 and right[1] < 80  # the opaque red stays red


def test_webp_upload_is_accepted():
    buffer = io.BytesIO()
    Image.new("RGB", (700, 700), (10, 120, 60)).save(buffer, "WEBP")
    processed = process_upload(buffer.getvalue(), **LIMITS)
    assert [r.width for r in processed.renditions] == [320, 640, 700]


def test_srcset_lists_every_rendition(tmp_path):
    storage = LocalStorage(tmp_path, "/media/")
    assert srcset("abc", 1200, storage) == (
        "/media/products/abc-320.webp 320w, /media/products/abc-640.webp 640w, "
        "/media/products/abc-1200.webp 1200w"
    )
    assert images.rendition_url("abc", 640, storage) == "/media/products/abc-640.webp"
    assert images.best_width(1200, 400) == 640
    assert images.best_width(500, 640) == 500


# --- storing: through the database, on SQLite and PostgreSQL ---------------------------------


def _image_rows(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(ProductImage))


@pytest.mark.parametrize("name", HOSTILE)
def test_refused_upload_stores_nothing_and_adds_no_row(session, storage, media_root, name):
    product = make_product(session)
    session.commit()
    data, message = HOSTILE[name]
    with pytest.raises(ValidationError, match=message):
        store_product_image(session, storage, product=product, data=data, **LIMITS)
    session.rollback()
    assert stored_files(media_root) == []
    assert _image_rows(session) == 0


def test_store_product_image_writes_renditions_and_row(session, storage, media_root):
    product = make_product(session)
    first = store_product_image(
        session, storage, product=product, data=samples.jpeg(2000, 1500), alt_id="Batik", alt_en="Batik"
    )
    second = store_product_image(session, storage, product=product, data=samples.png_with_alpha())
    session.commit()

    assert (first.position, second.position) == (0, 1)
    assert (first.width, first.height) == (1200, 900)
    assert (second.width, second.height) == (400, 300)
    assert first.storage_key != second.storage_key
    assert len(first.storage_key) >= 20  # random, never the upload's name
    assert stored_files(media_root) == sorted(
        [rendition_key(first.storage_key, w) for w in (320, 640, 1200)]
        + [rendition_key(second.storage_key, w) for w in (320, 400)]
    )
    for width in (320, 640, 1200):
        assert _open(storage.read(rendition_key(first.storage_key, width))).size[0] == width
    session.expire_all()
    assert [image.id for image in product.images] == [first.id, second.id]


class _DiskFullAfter(LocalStorage):
    """A real local storage whose disk fills up after `n` writes."""

    def __init__(self, root, n):
        super().__init__(root)
        self.remaining = n

    def save(self, key, data, content_type):
        if self.remaining == 0:
            raise OSError(28, "No space left on device")
        self.remaining -= 1
        super().save(key, data, content_type)


def test_failure_while_storing_leaves_nothing_behind(session, media_root):
    product = make_product(session)
    session.commit()
    with pytest.raises(OSError, match="No space"):
        store_product_image(
            session, _DiskFullAfter(media_root, 2), product=product, data=samples.jpeg(2000, 1500)
        )
    session.rollback()
    assert stored_files(media_root) == []
    assert _image_rows(session) == 0


def test_failed_flush_deletes_written_renditions(session, storage, media_root):
    kept = store_product_image(session, storage, product=make_product(session), data=samples.jpeg(400, 300))
    session.commit()
    before = stored_files(media_root)
    # A product that is not in the database: the row's foreign key fails at flush, after the files.
    ghost = Product(id=10**9)
    with pytest.raises(sa.exc.IntegrityError):
        store_product_image(session, storage, product=ghost, data=samples.jpeg(500, 400))
    session.rollback()
    assert _image_rows(session) == 1
    assert stored_files(media_root) == before
    assert all(kept.storage_key in name for name in before)


def test_colour_profiles_and_cmyk_become_plain_srgb():
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (20, 140, 90)).save(buffer, "JPEG", icc_profile=srgb)
    cmyk = io.BytesIO()
    Image.new("CMYK", (400, 300), (0, 200, 200, 0)).save(cmyk, "JPEG")
    for data in (buffer.getvalue(), cmyk.getvalue()):
        rendition = _open(process_upload(data, **LIMITS).renditions[-1].data)
        assert rendition.mode == "RGB"
        assert "icc_profile" not in rendition.info


def test_a_big_photo_is_reduced_before_conversion_and_keeps_its_orientation():
    """_shrink works on the decoded pixels by a whole factor; EXIF orientation still applies after."""
    image = Image.new("RGB", (3000, 2400), (200, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°: the photo is portrait
    buffer = io.BytesIO()
    image.save(buffer, "PNG", exif=exif.tobytes())
    processed = process_upload(buffer.getvalue(), **LIMITS)
    assert (processed.width, processed.height) == (1200, 1500)
    assert [r.width for r in processed.renditions] == [320, 640, 1200]
