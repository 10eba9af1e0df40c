"""Every email is multipart/alternative: a plain-text part and an accessible HTML part, both in the
recipient's language, with absolute links built from SERVER_NAME_FOR_LINKS."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.email.delivery import build_message
from marketplace.email.models import EmailStatus, OutboundEmail
from marketplace.email.services import deliver_pending, send_email
from marketplace.types import utcnow

# Both modules read different catalogues: forget the cached ones around every test.
pytestmark = pytest.mark.usefixtures("fresh_translations")

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"
BASE = "https://pasar.example"
HOSTILE = "<b>Batik</b> & <script>alert(1)</script>"
ESCAPED = "&lt;b&gt;Batik&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"

#: A context for each email the app sends; user-typed text carries markup that must stay text.
CONTEXTS = {
    "order_confirmation": {
        "name": "Ayu",
        "order_number": "PD-7K3Q9",
        "lines": [
            {"title": HOSTILE, "quantity": 1, "total_text": "Rp 350.000", "seller": "KUB Kepuh"},
            {"title": "Kopi Robusta", "quantity": 2, "total_text": "Rp 90.000", "seller": ""},
        ],
        "shipping_text": "Rp 18.000",
        "total_text": "Rp 458.123",
        "amount_text": "Rp 458.123",
        "payment_instructions": ["Bank BRI 0123-01-000123-30-1"],
        "payment_deadline_text": "29 Nov 2026 10.00",
        "order_url": f"{BASE}/orders/PD-7K3Q9",
        "international": True,
    },
    "payment_received": {
        "name": "Ayu",
        "order_number": "PD-7K3Q9",
        "lines": [{"title": HOSTILE, "quantity": 2, "total_text": "Rp 90.000", "seller": ""}],
        "total_text": "Rp 108.000",
        "amount_text": "Rp 108.123",
        "order_url": f"{BASE}/orders/PD-7K3Q9",
    },
    "shipped": {
        "name": "Ayu",
        "order_number": "PD-7K3Q9",
        "seller_name": "KUB Kepuh",
        "carrier": "JNE REG",
        "tracking_number": "JNE0123456789",
        "tracking_url": f"{BASE}/track/JNE0123456789",
        "lines": [{"title": HOSTILE, "quantity": 1, "total_text": "", "seller": ""}],
        "order_url": f"{BASE}/orders/PD-7K3Q9",
    },
    "refund": {
        "order_number": "PD-7K3Q9",
        "amount_text": "Rp 90.000",
        "reason": HOSTILE,
        "method_text": "Bank BRI",
        "order_url": f"{BASE}/orders/PD-7K3Q9",
    },
    "refund_failed": {
        "name": HOSTILE,
        "order_number": "PD-7K3Q9",
        "amount_text": "€12.50",
        "why": "the card you paid with is closed or has expired",
        "order_url": f"{BASE}/orders/PD-7K3Q9",
    },
    "refund_failed_office": {
        "order_number": "PD-7K3Q9",
        "email": HOSTILE,
        "amount_text": "€12.50",
        "reason": "The card was closed or expired",
        "queue_url": f"{BASE}/curator/refunds",
    },
    "seller_refund": {
        "name": HOSTILE,
        "shop": HOSTILE,
        "order_number": "PD-7K3Q9",
        "reason": HOSTILE,
        "parcel": {
            "url": f"{BASE}/seller/orders/7",
            "refunded": [{"title": HOSTILE, "quantity": 1, "restocked": 1, "amount": "Rp 275.000"}],
            "shipping_amount": "Rp 12.000",
            "left": [{"title": HOSTILE, "quantity": 1}],
            "not_shipped": True,
            "do_not_ship": 1,
            "came_back": 0,
        },
    },
    "password_reset": {
        "name": HOSTILE,
        "reset_url": f"{BASE}/account/password/reset/x",
        "expires_minutes": 60,
    },
    "login_unlock": {
        "name": HOSTILE,
        "unlock_url": f"{BASE}/account/login/unlock/x",
        "expires_minutes": 60,
    },
    "label_decision": {
        "name": "Ayu",
        "approved": False,
        "label": "Halal",
        "product": HOSTILE,
        "valid_until": "",
        "note": "Foto sertifikat buram.\nKirim ulang.",
        "link": f"{BASE}/seller/labels",
    },
    "label_reminder": {
        "name": "Ayu",
        "shop": "KUB Kepuh",
        "rows": [
            {
                "label": "Halal",
                "product": HOSTILE,
                "certificate_number": "ID-123",
                "valid_until": "1 Desember 2026",
                "days_left": 10,
            }
        ],
        "link": f"{BASE}/seller/labels",
    },
    "seller_notice": {"name": HOSTILE, "body": "Toko Anda disetujui.", "note": "", "link": f"{BASE}/seller/"},
    "facilitator_granted": {"name": "Ayu", "shop": HOSTILE, "link": f"{BASE}/seller/"},
    "order_cancelled": {
        "order_number": "PD-7K3Q9",
        "by_seller": True,
        "shop": "KUB Kepuh",
        "reason": HOSTILE,
        "items": ["1 × Batik Gajah Oling"],
        "money_text": "Rp 90.000",
        "order_url": f"{BASE}/orders/PD-7K3Q9",
    },
    "artisan_payout_account": {
        "name": "Kurator",
        "by_facilitator": True,
        "actor": "Pendamping Desa",
        "shop": HOSTILE,
        "bank": "BRI ····7788",
        "holder": "Slamet",
        "artisan": "Pak Slamet",
        "consent_on": "1 Desember 2026",
        "explanation": HOSTILE,
        "link": f"{BASE}/curator/sellers/3/payout-account",
    },
    "case_notice": {
        "name": "Ayu",
        "body": "Pembeli melaporkan masalah: barang rusak.",
        "note": HOSTILE,
        "link": f"{BASE}/cases/1",
    },
    "late_parcel": {
        "name": "Ayu",
        "shop": HOSTILE,
        "order_number": "PD-7K3Q9",
        "days": 4,
        "link": f"{BASE}/seller/orders/1",
    },
    "question_answered": {
        "name": "Ayu",
        "shop": HOSTILE,
        "product": HOSTILE,
        "question": "Ada ukuran XL?\n" + HOSTILE,
        "answer": HOSTILE,
        "link": f"{BASE}/products/1-batik#questions",
    },
    "question_answer_edited": {
        "name": "Ayu",
        "shop": HOSTILE,
        "product": HOSTILE,
        "question": "Ada ukuran XL?\n" + HOSTILE,
        "answer": HOSTILE,
        "link": f"{BASE}/products/1-batik#questions",
    },
    "question_hidden": {
        "name": "Ayu",
        "product": HOSTILE,
        "question": HOSTILE,
        "reason": HOSTILE,
        "link": f"{BASE}/products/1-batik#questions",
    },
    "back_in_stock": {
        "title": HOSTILE,
        "product_url": f"{BASE}/products/1-kopi",
        "stock": 3,
        "stop_url": f"{BASE}/alerts/stop/eyJlbWFpbCI6InRhbXVAZXhhbXBsZS50ZXN0In0.sig",
    },
    "back_in_stock_signup": {
        "title": HOSTILE,
        "product_url": f"{BASE}/products/1-kopi",
        "stop_url": f"{BASE}/alerts/stop/eyJlbWFpbCI6InRhbXVAZXhhbXBsZS50ZXN0In0.sig",
    },
    "review_hidden": {
        "name": "Siti",
        "product": "Batik Gajah Oling",
        "reason": HOSTILE,
        "link": f"{BASE}/orders",
    },
    "review_invitation": {
        "name": "Siti",
        "shop": HOSTILE,
        "order_number": "PD-7K3Q9",
        "shops": [
            {"name": HOSTILE, "items": ["Batik Gajah Oling", HOSTILE]},
            {"name": "KUB", "items": [HOSTILE]},
        ],
        "more_on_the_way": True,
        "link": f"{BASE}/orders/PD-7K3Q9",
    },
}

#: Words of the shared layout and greeting, in each language.
LANGUAGE_MARKS = {
    "id": {"text": "Halo", "html": "Email ini dikirim oleh"},
    "en": {"text": "Hello", "html": "This email was sent by"},
}


@pytest.fixture
def app_overrides(tmp_path):
    return {"OUTBOX_DIR": str(tmp_path / "outbox"), "SERVER_NAME_FOR_LINKS": BASE}


class _Html(HTMLParser):
    """The links (href and visible text) and every tag name of an HTML document."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[dict] = []
        self.html_lang: str | None = None
        self._open_link: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "a":
            self._open_link = {"href": attrs.get("href"), "text": ""}
            self.links.append(self._open_link)

    def handle_endtag(self, tag):
        if tag == "a":
            self._open_link = None

    def handle_data(self, data):
        if self._open_link is not None:
            self._open_link["text"] += data


def _parse_html(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    parser.close()
    return parser


def _outbox(app) -> list:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    ]


def test_every_email_template_has_an_html_part_and_a_sample_here():
    texts = {
        path.name.removesuffix(".txt")
        for path in TEMPLATES.glob("*.txt")
        if not path.name.startswith("_") and not path.name.endswith(".subject.txt")
    }
    htmls = {path.stem for path in TEMPLATES.glob("*.html") if not path.name.startswith("_")}
    assert texts == htmls
    assert set(CONTEXTS) == texts


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_email_is_text_and_accessible_html_in_the_recipients_language(app, session, template, lang):
    # A request in the other language: the email still follows the recipient.
    other = "en" if lang == "id" else "id"
    with app.test_request_context(f"/?lang={other}"):
        send_email(
            session, to="ayu@example.test", subject=None if template != "seller_notice" else "Toko",
            template=template, lang=lang, context=CONTEXTS[template],
        )  # fmt: skip
        session.commit()
    assert deliver_pending(session) == {"sent": 1, "retry": 0, "failed": 0}

    [message] = _outbox(app)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", message["Date"])
    assert message["Content-Language"] == lang
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()

    # Both parts in the recipient's language.
    assert text.startswith(LANGUAGE_MARKS[lang]["text"])
    assert LANGUAGE_MARKS[lang]["text"] in html and LANGUAGE_MARKS[lang]["html"] in html
    assert LANGUAGE_MARKS[other]["html"] not in html

    page = _parse_html(html)
    assert page.html_lang == lang
    # Inline CSS only, nothing to run, no remote images or stylesheets to fetch.
    assert not {"script", "style", "img", "link", "iframe", "form"} & set(page.tags)
    assert "<script" not in html.lower() and "javascript:" not in html.lower()
    # Every link is absolute on the public address and says where it goes.
    assert page.links
    for link in page.links:
        assert link["href"].startswith(BASE + "/"), link
        assert link["text"].strip(), link
    # The text part carries the same addresses, so a text-only reader can follow them too.
    action_urls = {link["href"] for link in page.links} - {BASE + "/"}
    for url in action_urls:
        assert url in text
    for url in re.findall(r"https?://\S+", text):
        assert url.startswith(BASE + "/"), url

    # What users typed stays text: escaped in HTML, verbatim in the plain part.
    assert ESCAPED in html
    assert "<b>" not in html
    assert HOSTILE in text
    assert "Undefined" not in html and "Undefined" not in text


def test_translated_strings_cannot_smuggle_markup_through_a_lazy_string(app, session):
    # The seller notices pass lazy_gettext strings with shop names interpolated into them.
    from flask_babel import lazy_gettext

    row = send_email(
        session,
        to="ayu@example.test",
        subject=lazy_gettext("Your shop %(name)s is approved", name=HOSTILE),
        template="seller_notice",
        lang="en",
        context={
            "name": "Ayu",
            "body": lazy_gettext("Hello %(name)s,", name=HOSTILE),
            "note": "",
            "link": BASE,
        },
    )
    assert ESCAPED in row.body_html and "<b>" not in row.body_html
    assert HOSTILE in row.subject


def test_a_row_queued_without_html_still_sends_as_plain_text(app, session):
    # Rows queued before emails had HTML parts.
    session.add(
        OutboundEmail(
            to_address="ayu@example.test", subject="Lama", body_text="Halo,\nteks saja.", body_html=None,
            template="password_reset", lang="id", status=EmailStatus.QUEUED, attempts=0, last_error="",
            next_attempt_at=utcnow(),
        )
    )  # fmt: skip
    session.commit()
    assert deliver_pending(session)["sent"] == 1
    [message] = _outbox(app)
    assert message.get_content_type() == "text/plain"
    assert message.get_content() == "Halo,\nteks saja.\n"
    assert message["Date"].endswith("+0000")


def test_a_very_long_line_is_still_a_valid_message(app, session):
    # 8bit bodies may not have lines over 998 bytes; a long curator note must not break the email.
    context = {**CONTEXTS["label_decision"], "note": "sangat panjang " * 200}
    send_email(session, to="ayu@example.test", template="label_decision", lang="id", context=context)
    session.commit()
    row = session.scalar(sa.select(OutboundEmail))
    data = bytes(build_message(row, sender="Pasar <noreply@pasar.example>", readable=True))
    assert max(len(line) for line in data.splitlines()) <= 998
    html = message_from_bytes(data, policy=policy.default).get_body(("html",)).get_content()
    assert "sangat panjang " * 200 in html


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("https://pasar.example", "https://pasar.example/orders/PD-1"),
        ("https://pasar.example/", "https://pasar.example/orders/PD-1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/orders/PD-1"),
        ("https://example.org/pasar/", "https://example.org/pasar/orders/PD-1"),
        ("pasar.example", "https://pasar.example/orders/PD-1"),
        ("localhost:8080", "http://localhost:8080/orders/PD-1"),
    ],
)
def test_email_links_are_absolute_on_server_name_for_links(app, setting, expected):
    from marketplace.email.links import external_url

    app.config["SERVER_NAME_FOR_LINKS"] = setting
    # Whatever host the current request came in on (emails are queued during requests too).
    with app.test_request_context("/", base_url="http://internal-host:9999"):
        assert external_url("orders.show", number="PD-1") == expected


@pytest.mark.parametrize("setting", ["", None, "ftp://pasar.example", "https://"])
def test_a_missing_or_unusable_link_address_is_a_clear_error(app, setting):
    from marketplace.email.links import external_url

    app.config["SERVER_NAME_FOR_LINKS"] = setting
    with pytest.raises(RuntimeError, match="SERVER_NAME_FOR_LINKS"):
        external_url("orders.show", number="PD-1")


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_gettext_bound_once_renders_what_flask_babels_own_callables_render(app, session, template, lang):
    # Issue 16 (checkout CPU): send_email binds gettext to the recipient's catalogue once per email;
    # the rows hold exactly what Flask-Babel's template callables (one lookup per string) give.
    from flask import current_app
    from flask_babel import force_locale

    from marketplace.email.links import site_url

    other = "en" if lang == "id" else "id"
    with app.test_request_context(f"/?lang={other}"):
        row = send_email(session, to="ayu@example.test", subject="Toko", template=template, lang=lang,
                         context=CONTEXTS[template])  # fmt: skip
        with force_locale(lang):
            values = {"market_name": app.config["MARKET_NAME"], **CONTEXTS[template], "lang": lang}
            env = current_app.jinja_env
            text = env.get_template(f"email/{template}.txt").render(values)
            html = env.get_template(f"email/{template}.html").render(
                {**values, "subject": "Toko", "site_url": site_url()}
            )
    assert (row.body_text, row.body_html) == (text, html)
