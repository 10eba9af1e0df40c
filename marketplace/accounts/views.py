"""HTTP views of the accounts domain: register, log in/out, profile, password reset, addresses."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as http_session,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import SelectChoice

from marketplace import contact
from marketplace.accounts import services, throttle
from marketplace.accounts.access import is_seller
from marketplace.accounts.forms import (
    ActionForm,
    AddressForm,
    ChangePasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from marketplace.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from marketplace.accounts.redirects import safe_next_url
from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db, limiter
from marketplace.i18n import current_language
from marketplace.views_support import domain_errors

bp = Blueprint("accounts", __name__, url_prefix="/account")

REMEMBER_FOR = timedelta(days=30)


# --- rate limits (shared through Redis when REDIS_URL is set) ---------------------------------
# Logins and reset requests: accounts/throttle.py (per account and address, never a lockout).


def _reset_limit() -> str:
    return current_app.config.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour")


def _register_limit() -> str:
    return current_app.config.get("REGISTER_RATE_LIMIT", "20 per hour")


def _client() -> str:
    # The real client's address: web.register_proxy has applied TRUSTED_PROXIES.
    return request.remote_addr or "unknown"


def _too_many(form, blocked: throttle.Blocked, template: str, **context):
    """The form again, with what limit stopped it and for how long: 429 and Retry-After."""
    form.form_errors.append(blocked.message())
    response = current_app.make_response((render_template(template, form=form, **context), 429))
    response.headers["Retry-After"] = str(blocked.retry_after)
    return response


@bp.errorhandler(429)
def too_many_requests(error):
    return render_template("accounts/too_many_requests.html"), 429


# --- helpers ---------------------------------------------------------------------------------


def _start_session(user, *, remember: bool = False) -> None:
    """A fresh session for a fresh login: nothing from before the login survives in it.

    The guest cart lives in its own cookie (cart_token) and is merged by the cart's
    user_logged_in handler.
    """
    http_session.clear()
    login_user(user, remember=remember, duration=REMEMBER_FOR if remember else None, fresh=True)


def _next_url(default_endpoint: str = "accounts.profile") -> str:
    return safe_next_url(request.values.get("next")) or url_for(default_endpoint)


# --- register, log in, log out -----------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_next_url())  # e.g. back to the checkout that sent here
    form = RegisterForm()
    if request.method == "GET":
        form.locale.data = current_language()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            user = services.register_user(
                db.session,
                email=form.email.data,
                password=form.password.data,
                name=form.name.data or "",
                locale=form.locale.data,
            )
            db.session.commit()
        if outcome.ok:
            _start_session(user)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(_next_url())
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "accounts/register.html",
        form=form,
        next=safe_next_url(request.values.get("next")),
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
    ), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next_url(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or _landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        email, client = form.email.data, _client()
        device_cookie = request.cookies.get(throttle.KNOWN_DEVICE_COOKIE)
        known_device = throttle.is_known_device(device_cookie, email)
        blocked = throttle.login_blocked(email, client, known_device=known_device)
        if blocked:
            # Past the account's limit for new devices: offer the emailed link that lets this one in.
            unlock = (
                ResetRequestForm(formdata=None, email=email) if blocked.reason == "login_account" else None
            )
            return _too_many(form, blocked, "accounts/login.html", next=next_url, unlock_form=unlock)
        with domain_errors(form) as outcome:
            user = services.authenticate(db.session, email=email, password=form.password.data)
            db.session.commit()
        if outcome.ok:
            _start_session(user, remember=bool(form.remember.data))
            response = redirect(next_url or _landing(user))
            return throttle.remember_device(response, device_cookie, user.email)
        throttle.record_failed_login(email, client, known_device=known_device)
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/login.html", form=form, next=next_url), status


def _landing(user) -> str:
    """Where a login without a `next` lands: the work the account comes for (the district office's
    console, the shop's dashboard), else the account page."""
    if user.is_curator:
        return url_for("curation.overview")
    if is_seller(db.session, user):
        return url_for("seller.dashboard")
    return url_for("accounts.profile")


@bp.post("/login/unlock")
def request_unlock():
    """Email a link that lets this device log in while the account is past its new-device limit."""
    form = ResetRequestForm()
    if not form.validate_on_submit():
        return redirect(url_for("accounts.login"))
    # Counted with the reset requests: both send the owner an email on a stranger's request.
    blocked = throttle.reset_blocked(form.email.data, _client())
    if blocked:
        flash(blocked.message(), "error")
        return redirect(url_for("accounts.login"))
    throttle.record_reset_request(form.email.data, _client())
    services.request_login_unlock(db.session, email=form.email.data)
    db.session.commit()
    flash(
        _("If an account uses that address, we have emailed it a link that lets this device log in."),
        "success",
    )
    return redirect(url_for("accounts.login"))


@bp.get("/login/unlock/<token>")
def unlock_login(token: str):
    """The emailed link: this browser becomes a known device of the account (accounts/throttle.py)."""
    with domain_errors() as link:
        user = services.user_for_unlock_token(db.session, token)
    if not link.ok:
        flash(link.message, "error")
        return redirect(url_for("accounts.login"))
    flash(_("This device can now log in to your account."), "success")
    device_cookie = request.cookies.get(throttle.KNOWN_DEVICE_COOKIE)
    return throttle.remember_device(redirect(url_for("accounts.login")), device_cookie, user.email)


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        # Rotating the nonce makes every copy of this session cookie (and remember-me) worthless.
        services.log_out_everywhere(db.session, user=current_user._get_current_object())
        db.session.commit()
    logout_user()
    http_session.clear()
    flash(_("You are logged out."), "success")
    return redirect("/")


# --- profile -------------------------------------------------------------------------------------


@bp.route("/", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    password_form = ChangePasswordForm(formdata=None)
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.update_profile(
                db.session, user=current_user, name=form.name.data or "", locale=form.locale.data
            )
            db.session.commit()
        if outcome.ok:
            # Said in the language just chosen: the next page is in it.
            with force_locale(form.locale.data):
                flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile", lang=form.locale.data))
    return _render_profile(form, password_form)


@bp.post("/password")
@login_required
def change_password():
    form = ProfileForm(formdata=None, obj=current_user)
    password_form = ChangePasswordForm()
    if password_form.validate_on_submit():
        user = current_user._get_current_object()
        with domain_errors(password_form) as outcome:
            services.change_password(
                db.session,
                user=user,
                current_password=password_form.current_password.data,
                new_password=password_form.password.data,
            )
            db.session.commit()
        if outcome.ok:
            _start_session(user)  # other devices were logged out; this one goes on with a new session
            flash(_("Your password is changed. Other devices were logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return _render_profile(form, password_form)


def _render_profile(form, password_form):
    status = 400 if form.errors or password_form.errors or password_form.form_errors else 200
    user = current_user._get_current_object()
    return render_template(
        "accounts/profile.html",
        form=form,
        password_form=password_form,
        shop_url=url_for("seller.dashboard") if is_seller(db.session, user) else "",
        console_url=url_for("curation.overview") if user.is_curator else "",
        min_length=MIN_LENGTH,
        max_length=MAX_LENGTH,
    ), status


# --- password reset ------------------------------------------------------------------------------


def _outbox_dir() -> str:
    """Where emails go on a development server without SMTP (README: Email), to tell a newcomer
    trying the reset where its email is; empty in production or with real delivery."""
    config = current_app.config
    if config.get("PRODUCTION") or config.get("SMTP_URL"):
        return ""
    return str(config.get("OUTBOX_DIR") or "")


@bp.route("/password/reset", methods=["GET", "POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        blocked = throttle.reset_blocked(form.email.data, _client())
        if blocked:
            return _too_many(form, blocked, "accounts/reset_request.html")
        throttle.record_reset_request(form.email.data, _client())
        services.request_password_reset(db.session, email=form.email.data)
        db.session.commit()
        # The same answer whether or not the account exists.
        return render_template("accounts/reset_sent.html", outbox_dir=_outbox_dir())
    status = 400 if form.errors else 200
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    with domain_errors() as link:
        services.user_for_reset_token(db.session, token)
    if not link.ok:
        return render_template("accounts/reset_invalid.html", message=link.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            user = services.reset_password(db.session, token=token, new_password=form.password.data)
            db.session.commit()
        if outcome.ok:
            logout_user()
            http_session.clear()
            flash(_("Your password is changed. Log in with the new password."), "success")
            # The emailed link proves the owner: this browser may log in even while the account
            # is past its limit for new devices (accounts/throttle.py).
            device_cookie = request.cookies.get(throttle.KNOWN_DEVICE_COOKIE)
            return throttle.remember_device(redirect(url_for("accounts.login")), device_cookie, user.email)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "accounts/reset_password.html", form=form, token=token, min_length=MIN_LENGTH, max_length=MAX_LENGTH
    ), status


# --- addresses -----------------------------------------------------------------------------------


@bp.get("/addresses")
@login_required
def addresses():
    names = contact.country_names(current_language())
    return render_template(
        "accounts/addresses.html",
        addresses=[
            (address, address.lines(names.get(address.country, "")))
            for address in services.list_addresses(db.session, current_user)
        ],
    )


def _address_form(address=None) -> AddressForm:
    form = AddressForm(obj=address if request.method == "GET" else None)
    form.country.choices = [
        SelectChoice(code, name) for code, name in services.country_choices(current_language())
    ]
    if address is not None and request.method == "GET":
        form.make_default.data = address.is_default
    return form


@bp.route("/addresses/new", methods=["GET", "POST"])
@login_required
def add_address():
    return _edit_address(None)


@bp.route("/addresses/<int:address_id>/edit", methods=["GET", "POST"])
@login_required
def edit_address(address_id: int):
    return _edit_address(address_id)


def _edit_address(address_id: int | None):
    address = services.get_address(db.session, current_user, address_id) if address_id else None
    form = _address_form(address)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in services.ADDRESS_FIELDS}
        # A NotFound (someone else's address) is not caught: the error handler answers 404.
        with domain_errors(form, catch=(ValidationError, Conflict)) as outcome:
            services.save_address(
                db.session,
                user=current_user,
                values=values,
                address_id=address_id,
                make_default=bool(form.make_default.data),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("The address is saved."), "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("accounts.addresses"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "accounts/address_form.html", form=form, address=address, provinces=contact.PROVINCES
    ), status


@bp.route("/addresses/<int:address_id>/delete", methods=["GET", "POST"])
@login_required
def delete_address(address_id: int):
    """Asks once more (GET: the address and the real button; a slip of the thumb on the list loses
    nothing), then deletes (POST) and says which address went."""
    # A NotFound (someone else's address) is not caught: the error handler answers 404.
    address = services.get_address(db.session, current_user, address_id)
    name = address.label or address.recipient_name
    if request.method == "GET":
        names = contact.country_names(current_language())
        return render_template(
            "accounts/address_delete.html",
            address=address,
            name=name,
            lines=address.lines(names.get(address.country, "")),
        )
    if not ActionForm().validate_on_submit():
        abort(400)
    street = address.street
    services.delete_address(db.session, user=current_user, address_id=address_id)
    db.session.commit()
    flash(_("Deleted the address “%(name)s” (%(street)s).", name=name, street=street), "success")
    return redirect(url_for("accounts.addresses"))


@bp.post("/addresses/<int:address_id>/default")
@login_required
def default_address(address_id: int):
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_default_address(db.session, user=current_user, address_id=address_id)
    db.session.commit()
    flash(_("This is now your default address."), "success")
    return redirect(url_for("accounts.addresses"))
