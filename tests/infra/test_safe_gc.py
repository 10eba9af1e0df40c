"""Cyclic collection at safe points (marketplace/safe_gc.py), which gunicorn workers use on 3.11.

The crash it prevents needs thousands of concurrent requests (bench/memory.py); these tests hold
what the module promises: collection moves to its own thread, follows the thresholds, and garbage
made by other threads is still collected."""

import gc
import sys
import threading
import time
import weakref

import pytest

from marketplace import safe_gc

needs_311 = pytest.mark.skipif(not safe_gc.needed(), reason="3.12+ collects at safe points itself")


class Node:
    def __init__(self):
        self.me = self  # a cycle: only the cyclic collector frees it


@pytest.fixture
def thresholds():
    """Automatic collection off, as under the collector thread, and the thresholds put back after."""
    saved = gc.get_threshold()
    gc.disable()
    yield
    gc.set_threshold(*saved)
    gc.enable()


def test_it_is_needed_before_312_only():
    assert safe_gc.needed() is (sys.version_info < (3, 12))


def test_a_due_young_generation_is_collected_and_an_idle_one_is_not(thresholds):
    gc.collect()
    gc.set_threshold(1_000_000, 10, 10)
    assert safe_gc.collect_when_due(last_full=0.0, now=100.0) is None  # nothing allocated enough
    gc.set_threshold(1, 10, 10)
    garbage = weakref.ref(Node())
    assert safe_gc.collect_when_due(last_full=0.0, now=100.0) == 0
    assert garbage() is None


def test_full_collections_are_spaced_in_time(thresholds):
    gc.set_threshold(1, 1, 1)
    gc.collect(1)
    gc.collect(1)  # the oldest generation is due from here on
    nodes = [Node() for _ in range(3)]  # and the youngest
    spacing = safe_gc.FULL_COLLECTION_SPACING_SECONDS
    assert safe_gc.collect_when_due(last_full=100.0, now=100.0 + spacing / 2) == 0
    nodes += [Node() for _ in range(3)]
    assert safe_gc.collect_when_due(last_full=100.0, now=100.0 + spacing) == 2
    del nodes


@needs_311
def test_a_server_process_collects_in_its_own_thread_and_frees_other_threads_garbage():
    assert safe_gc.start(interval=0.001)
    try:
        assert not gc.isenabled()  # no collection inside another thread's allocation
        assert any(t.name == "safe-gc" for t in threading.enumerate())
        assert not safe_gc.start()  # one collector per process
        made = []
        worker = threading.Thread(target=lambda: made.append(weakref.ref(Node())))
        worker.start()
        worker.join()
        churn = []
        deadline = time.monotonic() + 10
        while made[0]() is not None and time.monotonic() < deadline:
            churn.append([[] for _ in range(2_000)])  # kept: frees would lower the count again
            time.sleep(0.002)
        del churn
        assert made[0]() is None
    finally:
        safe_gc.stop()
    assert gc.isenabled()
    assert not any(t.name == "safe-gc" for t in threading.enumerate())
