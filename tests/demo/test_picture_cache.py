"""The demo pictures' disk cache (`DEMO_PICTURES_CACHE`): what one process encodes, the next reads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from marketplace.demo.picture_cache import PictureCache, cache_key
from marketplace.demo.pictures import product_picture
from marketplace.media.images import process_upload


def test_a_stored_picture_reads_back_equal_and_a_changed_drawing_misses(tmp_path):
    cache = PictureCache(tmp_path / "kept")
    source = product_picture("kopi-lanang", "agro", "Kopi Lanang Kabat")
    key = cache_key(source)
    assert cache.load(key) is None

    picture = process_upload(source)
    cache.store(key, picture)
    assert cache.load(key) == picture
    assert cache_key(product_picture("kopi-lanang", "agro", "Kopi Lanang Kabat", variant=1)) != key


def test_a_damaged_entry_is_a_miss_and_a_second_store_of_the_same_key_is_harmless(tmp_path):
    cache = PictureCache(tmp_path)
    picture = process_upload(product_picture("batik-gajah", "batik", "Batik Gajah Oling"))
    cache.store("k", picture)
    cache.store("k", picture)  # another process stored it first: no error, the first entry stays
    assert cache.load("k") == picture
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".new-")]

    (tmp_path / "k" / f"{picture.renditions[0].width}.webp").unlink()
    assert cache.load("k") is None


def test_the_lock_lets_one_filler_in_at_a_time(tmp_path):
    cache = PictureCache(tmp_path)
    inside: list[int] = []
    overlaps: list[int] = []

    def fill(n: int) -> None:
        with cache.locked():
            inside.append(n)
            if len(inside) > 1:
                overlaps.append(n)
            product_picture("x", "batik", str(n))  # some work while holding the lock
            inside.remove(n)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(fill, range(8)))
    assert overlaps == []
