"""Where a place-order request spends its time, in one process: SQL statements per step and a profile.

    .venv/bin/python bench/checkout_profile.py                       # PostgreSQL, 200 orders, 1 and 4 lines
    .venv/bin/python bench/checkout_profile.py --db sqlite --sql     # print the place-order statements
    .venv/bin/python bench/checkout_profile.py --profile 25          # cProfile of the place-order POSTs

Seeds its own database like bench/checkout.py (`--database`, default pd_bench_checkout_profile),
then, through Flask's test client (no HTTP, no gunicorn), goes product page → add to cart →
checkout page → calculate shipping → place order with the same form reading as the bench, and
prints for each step the statements it ran and its time per request; with --profile the top
functions of the place-order POSTs (cumulative), with --sql the statements of one of them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import checkout  # noqa: E402
import sqlalchemy as sa  # noqa: E402

STEPS = ("product page", "add to cart", "checkout page", "calculate shipping", "place order")


class ClientBrowser:
    """bench/checkout.py's Browser over Flask's test client (same `request` answer)."""

    def __init__(self, client):
        self.client = client
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        response = self.client.open(path, method=method, data=data, headers={"Accept": "text/html"})
        location = response.headers.get("Location", "")
        return response.status_code, response.get_data(as_text=True), location


class Counter:
    """Statements and their SQL per step (a `before_cursor_execute` listener)."""

    def __init__(self, engine):
        self.step: str | None = None
        self.statements: dict[str, list[str]] = {}
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        if self.step is not None:
            self.statements.setdefault(self.step, []).append(" ".join(statement.split()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--database", default="pd_bench_checkout_profile")
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--orders", type=int, default=100, help="orders per cart size")
    parser.add_argument("--profile", type=int, default=0, help="show the top N functions of place order")
    parser.add_argument("--sql", action="store_true", help="print the statements of one place order")
    args = parser.parse_args(argv)
    checkout.RESULTS.mkdir(parents=True, exist_ok=True)

    url, paths, _ = checkout.prepare_database(args.db, args.products, 0, name=args.database)
    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "OUTBOX_DIR": str(checkout.RESULTS / "outbox"),
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        counter = Counter(db.engine)
    # CPU time, not wall time: what the app itself spends (the database's waits left out).
    profiler = cProfile.Profile(time.process_time)
    for lines in (1, 4):
        counter.statements = {}
        seconds = dict.fromkeys(STEPS, 0.0)
        cpu = dict.fromkeys(STEPS, 0.0)
        placed = 0
        one_place: list[str] = []
        for n in range(args.orders):
            browser = ClientBrowser(app.test_client())
            # `lines` products of different sellers (the bench's products are spread over 200).
            for k in range(lines):
                path = paths[(n * lines + k) % len(paths)]
                steps = _TimedSteps(counter, seconds, cpu)
                _status, html, _ = steps.timed("product page", browser, "GET", path)
                add = next(f for f in checkout.forms_in(html) if "/cart/add" in f["action"])
                steps.timed("add to cart", browser, "POST", add["action"], {**add["fields"], "quantity": "1"})
            steps = _TimedSteps(counter, seconds, cpu)
            form = checkout.checkout_form(browser, steps)
            before = len(counter.statements.get("place order", []))
            if args.profile:
                profiler.enable()
            status, location, why = checkout.place_order(browser, form, steps)
            if args.profile:
                profiler.disable()
            counter.step = None
            if why:
                print(f"  order {n}: {why}")
            else:
                placed += 1
            if not one_place and not why:
                one_place = counter.statements["place order"][before:]
        print(f"== {lines} line(s) per order, {args.db}: {placed} of {args.orders} placed")
        print(f"   {'step':20} {'statements/request':>18} {'ms/request':>10} {'CPU ms/request':>14}")
        for step in STEPS:
            per = args.orders * (lines if step in ("product page", "add to cart") else 1)
            count = len(counter.statements.get(step, []))
            print(
                f"   {step:20} {count / per:>18.1f} {seconds[step] * 1000 / per:>10.1f} "
                f"{cpu[step] * 1000 / per:>14.1f}"
            )
        if args.sql:
            print("   statements of one place-order POST:")
            for statement in one_place:
                print(f"     {statement[:180]}")
    # The emails the orders queued, sent as the job runner sends them (the confirmation is
    # rendered there, not in the place-order POST): CPU per email.
    from marketplace.email.services import deliver_pending

    with app.app_context():
        began, began_cpu = time.perf_counter(), time.process_time()
        sent = 0
        while counts := deliver_pending(db.session, limit=200):
            if not counts["sent"]:
                break
            sent += counts["sent"]
        cpu_ms, wall_ms = (time.process_time() - began_cpu) * 1000, (time.perf_counter() - began) * 1000
        if sent:
            each = f"{cpu_ms / sent:.1f} ms CPU, {wall_ms / sent:.1f} ms wall"
            print(f"== job runner: {sent} emails sent, {each} each")
    if args.profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())
        profiler.dump_stats(str(checkout.RESULTS / "checkout_profile.pstats"))
        print(f"written {checkout.RESULTS / 'checkout_profile.pstats'}")
    return 0


class _TimedSteps(checkout.Steps):
    """checkout.Steps that also tells the counter which step runs and adds up the seconds (wall
    and this process's CPU: the app's own work, the database's not included)."""

    def __init__(self, counter: Counter, seconds: dict[str, float], cpu: dict[str, float]):
        super().__init__()
        self.counter = counter
        self.seconds = seconds
        self.cpu = cpu

    def timed(self, name, browser, method, path, data=None):
        self.counter.step = name
        began, began_cpu = time.perf_counter(), time.process_time()
        outcome = browser.request(method, path, data)
        self.seconds[name] += time.perf_counter() - began
        self.cpu[name] += time.process_time() - began_cpu
        return outcome


if __name__ == "__main__":
    raise SystemExit(main())
