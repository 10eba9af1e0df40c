"""What the job tests share: several runners (or senders) started at the same moment."""

from __future__ import annotations

import threading


def run_together(app, count: int, target, *args, timeout: float = 60) -> list:
    """Run `target(*args)` in `count` threads started together, each in its own app context;
    return their results, and fail with any thread's exception."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list = []

    def work():
        with app.app_context():
            barrier.wait()
            try:
                results.append(target(*args))
            except Exception as error:  # noqa: BLE001 - re-raised in the test's thread below
                errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    return results
