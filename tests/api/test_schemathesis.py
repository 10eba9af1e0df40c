"""Schemathesis, with every check, finds nothing: the API does exactly what /api/v1/openapi.json says.

It runs in-process against the app's own document (WSGI, no server), through the same engine and
phases as `schemathesis run --checks all` (coverage, fuzzing with valid and invalid data, stateful),
bounded in examples and seeded so each run sends the same requests.
"""

from __future__ import annotations

import contextvars

import pytest
import schemathesis
from schemathesis.engine import Status, events

from tests.api.conftest import add_image
from tests.factories import make_product, make_product_label

#: Examples per operation and phase: enough to reach every parameter, small enough for seconds.
MAX_EXAMPLES = 5
SEED = 20240601


@pytest.fixture
def catalogue(session, world, halal, rates):
    """A few public products across two villages and clusters, with photos, labels and rates."""
    batik = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis", exportable=True,
        hs_code="5208.52", length_mm=2000, width_mm=1100, height_mm=5,
    )  # fmt: skip
    add_image(session, batik)
    make_product_label(session, product=batik, label_type=halal)
    make_product(session, seller=world.seller, cluster=world.cluster, title_id="Selendang", stock=0)
    coffee = make_product(
        session, seller=world.other_seller, cluster=world.other_cluster, title_id="Kopi robusta",
        title_en="", description_en="",
    )  # fmt: skip
    make_product_label(session, product=coffee, certificate_number="", issuer="", valid_until=None)
    make_product(session, seller=world.pending_seller, cluster=world.cluster)  # not public
    session.commit()


def _isolated(app):
    """The app as a WSGI callable whose requests each get a fresh context, as under a real server.

    The `app` fixture keeps an app context open; without this a request made from the test's own
    thread would reuse it (the same `g` and database session as the test).
    """

    def wsgi(environ, start_response):
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


def _config() -> schemathesis.Config:
    # The WSGI transport does not undo Content-Encoding as an HTTP client would, so ask for identity
    # bodies (the app gzips JSON for clients that accept it: tests/infra/test_compression.py).
    config = schemathesis.Config.from_dict({"headers": {"Accept-Encoding": "identity"}})
    config.update(seed=SEED, max_failures=None)
    config.projects.override.checks.update(included_check_names=["all"])
    config.projects.override.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    return config


@pytest.mark.slow
def test_the_api_passes_every_schemathesis_check(app, catalogue):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _isolated(app), config=_config())
    failures: list[str] = []
    checks_run: set[str] = set()
    operations: set[str] = set()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.FatalError):
            raise AssertionError(f"Schemathesis stopped: {event.exception!r}") from event.exception
        if isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.info.message}")
        if not isinstance(event, events.ScenarioFinished):
            continue
        recorder = event.recorder
        operations.add(recorder.label)
        for case_id, checks in recorder.checks.items():
            case = recorder.cases[case_id].value
            for check in checks:
                checks_run.add(check.name)
                if check.status is not Status.SUCCESS and check.failure_info is not None:
                    failure = check.failure_info.failure
                    failures.append(
                        f"[{event.phase.value}] {check.name}: {case.method} {case.formatted_path} "
                        f"query={case.query!r}\n  {failure.title}: {failure.message}"
                    )
    assert not failures, "\n".join(dict.fromkeys(failures))
    # It really ran: every operation (Schemathesis leaves out the one serving the document it
    # loaded), and the checks that matter most here among all of them.
    assert operations >= {"GET /products", "GET /products/{id}", "GET /villages", "GET /clusters"}
    assert checks_run >= {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "unsupported_method",
    }
