"""Checkout before an order exists: validating the buyer's choices and pricing the cart.

`price_checkout` is the one pricing function: the checkout page's summary, its JSON quote and
`place_order` (whose totals are what the buyer is charged, bank transfer or Stripe) all call it,
so the total shown is the total charged. `checkout_seen.quote_token` names what the page showed;
placing an order refuses a total the buyer has not seen (`checkout_seen.check_quote`).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.util import identity_key

from marketplace import contact
from marketplace.cart.services import MAX_LINE_QUANTITY, is_purchasable
from marketplace.catalogue.models import Product, ProductVariant
from marketplace.catalogue.variants import missing_options, variant_label
from marketplace.errors import Conflict, DomainError, ValidationError
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.markets import services as markets
from marketplace.markets.services import ConvertedOrder, Rate
from marketplace.orders.amounts import rupiah_total
from marketplace.orders.checkout_seen import (
    CurrencyChanged,
    destination_key,
    quote_token,
    rate_version_currency,
)
from marketplace.orders.models import PaymentMethod, ShippingMethod
from marketplace.orders.payment_choice import stripe_minimum
from marketplace.seller.models import Seller
from marketplace.shipping.services import (
    ShippingAddress,
    ShippingQuote,
    check_address,
    destination_rates,
    quote_shipping,
    validate_address,
)

# --------------------------------------------------------------------------------------------
# Reading carts for checkout
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    """A cart line priced from the database right now."""

    product: Product
    quantity: int
    unit_price_minor: int
    currency: str
    #: The variant bought (its price and weight are the line's); None: the product's own values.
    variant: ProductVariant | None = None

    @property
    def key(self) -> tuple[int, int]:
        """(product id, variant id): one line per variant, in this order everywhere (lock order)."""
        return (self.product.id, self.variant.id if self.variant is not None else 0)

    @property
    def line_total_minor(self) -> int:
        return self.unit_price_minor * self.quantity

    @property
    def unit_weight_grams(self) -> int:
        return self.variant.effective_weight_grams if self.variant is not None else self.product.weight_grams

    @property
    def weight_grams(self) -> int:
        return self.unit_weight_grams * self.quantity

    def variant_label(self, lang: str) -> str:
        """ "Ukuran: XL" in `lang`; "" for a product without options."""
        if self.variant is None or not self.product.options:
            return ""
        return variant_label(self.product.options, self.variant, lang)


def _line_key(key: int | tuple[int, int | None]) -> tuple[int, int | None]:
    return key if isinstance(key, tuple) else (key, None)


def price_lines(session: Session, quantities: dict) -> list[PricedLine]:
    """Price {(product_id, variant_id): quantity} from the database (a bare product id, or a
    variant id of None, means the product's only variant), ordered by product then variant id.

    Raises ValidationError for a product or variant that no longer exists or cannot be bought
    (a variant missing a value for one of its product's options among them).
    """
    if not quantities:
        return []
    wanted = {_line_key(key): quantity for key, quantity in quantities.items()}
    product_ids = {pid for pid, _vid in wanted}
    products = _loaded_products(session, product_ids)
    if products is None:
        products = {
            p.id: p
            for p in session.scalars(
                sa.select(Product)
                .where(Product.id.in_(product_ids))
                .options(
                    selectinload(Product.seller).selectinload(Seller.village),
                    selectinload(Product.options),
                    selectinload(Product.variants),
                )
            )
        }
    lines = []
    for (product_id, variant_id), quantity in wanted.items():
        product = products.get(product_id)
        variants = product.variants if product is not None else []
        if variant_id is None:
            variant = variants[0] if len(variants) == 1 else None
        else:
            variant = next((v for v in variants if v.id == variant_id), None)
        if product is None or variant is None:
            raise ValidationError(str(_l("A product in your cart no longer exists; it has been removed.")))
        if not is_purchasable(product):
            raise ValidationError(
                str(
                    _l("“%(title)s” is no longer for sale: remove it from your cart.", title=product.title_id)
                )
            )
        if missing_options(product.options, variant):
            # Put in the cart before the seller named another option: nobody knows which it is.
            raise ValidationError(
                str(
                    _l(
                        "“%(title)s” (%(variant)s) cannot be ordered until the seller fills in its options:"
                        " remove it from your cart.",
                        title=product.title_id,
                        variant=variant_label(product.options, variant, "id"),
                    )
                )
            )
        lines.append(PricedLine(product, quantity, variant.effective_price_minor, product.currency, variant))
    lines.sort(key=lambda line: line.key)
    return lines


#: What pricing reads of a product and of its seller (`_loaded_products`).
_PRICED = frozenset(
    ("status", "currency", "price_minor", "weight_grams", "exportable", "seller_id", "seller", "options",
     "variants")
)  # fmt: skip
_PRICED_SELLER = frozenset(("status", "village"))


def _loaded_products(session: Session, product_ids: set[int]) -> dict[int, Product] | None:
    """{id: product} when every product, with what pricing reads of it, its seller and village,
    options and variants, is loaded in this session already (the checkout's cart summary read
    them moments ago, in this transaction), else None.

    A SELECT would not refresh them (the identity map keeps loaded values), so reading them again
    would only cost five round trips for the same objects.
    """
    found = {}
    for product_id in product_ids:
        product = session.identity_map.get(identity_key(Product, product_id))
        if product is None or sa.inspect(product).unloaded & _PRICED:
            return None
        if sa.inspect(product.seller).unloaded & _PRICED_SELLER:
            return None
        found[product_id] = product
    return found


def cart_fingerprint(lines: Sequence[PricedLine]) -> str:
    """A short digest of what the buyer saw (products, variants, quantities, prices) on the checkout page.

    Posted back with the order, it lets `place_order` refuse a cart that changed in between.
    """
    text = ";".join(
        f"{ln.product.id}/{ln.key[1]}:{ln.quantity}:{ln.unit_price_minor}:{ln.currency}" for ln in lines
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# --------------------------------------------------------------------------------------------
# Validating the buyer's choices
# --------------------------------------------------------------------------------------------

#: A pickup order has no street address: the person who collects it is named by name and phone.
NO_ADDRESS = ShippingAddress(name="", phone="", street="", district="", city="", province="", postal_code="")


@dataclass(frozen=True)
class CheckoutChoice:
    """What the buyer chose on the checkout form, validated and normalised."""

    email: str
    address: ShippingAddress
    shipping_method: ShippingMethod
    payment_method: PaymentMethod


def validate_choice(
    *,
    email: str,
    address: ShippingAddress | None,
    shipping_method: ShippingMethod | str,
    payment_method: PaymentMethod | str,
) -> CheckoutChoice:
    """The email, address and shipping/payment methods, or ValidationError naming the field.

    `address` may be None only for pickup.
    """
    try:
        shipping_method = ShippingMethod(shipping_method)
    except ValueError:
        raise ValidationError(
            str(_l("Choose courier delivery or pickup.")), field="shipping_method"
        ) from None
    try:
        payment_method = PaymentMethod(payment_method)
    except ValueError:
        raise ValidationError(str(_l("Choose a payment method.")), field="payment_method") from None
    email = contact.normalize_email(email)
    # The view refuses the reserved ".test" domains in production; the service checks the shape.
    if not contact.email_ok(email, allow_reserved=True):
        raise ValidationError(
            str(_l("Enter a valid email address for the order confirmation.")), field="email"
        )
    if address is None:
        if shipping_method != ShippingMethod.PICKUP:
            raise ValidationError(str(_l("Enter a delivery address.")), field="street")
        address = NO_ADDRESS
    elif shipping_method == ShippingMethod.PICKUP:
        # Pickup needs someone to hand the parcel to (name, phone), not a street.
        problems = {k: v for k, v in validate_address(address).items() if k in ("name", "phone")}
        if problems:
            field, text = next(iter(problems.items()))
            raise ValidationError(text, field=field)
    else:
        check_address(address)
    return CheckoutChoice(email, address, shipping_method, payment_method)


def validate_lines(
    session: Session, quantities: dict, *, expected_fingerprint: str | None
) -> list[PricedLine]:
    """The taken cart lines priced from the database (product id order), or ValidationError
    (a bad quantity, an unbuyable product, a price not in rupiah) / Conflict (the cart changed
    since the checkout page showed `expected_fingerprint`)."""
    for quantity in quantities.values():
        if not 1 <= quantity <= MAX_LINE_QUANTITY:
            raise ValidationError(str(_l("A quantity in your cart is not valid; please change it.")))
    lines = price_lines(session, quantities)
    if expected_fingerprint is not None and expected_fingerprint != cart_fingerprint(lines):
        raise Conflict(
            str(_l("Your cart changed since you reviewed it. Please check the summary and try again."))
        )
    currencies = {line.currency for line in lines}
    if currencies != {"IDR"}:
        raise ValidationError(str(_l("Only rupiah prices can be ordered domestically.")))
    return lines


def validate_market(
    session: Session,
    lines: Sequence[PricedLine],
    choice: CheckoutChoice,
    *,
    currency: str,
    expected_rate_version: str | None,
    now: datetime,
    rate_stale_days: int,
    rates: markets.RateTable | None = None,
) -> Rate | None:
    """The rate the order is charged at, after the market's rules for this delivery country.

    `rates`: the table already read in this transaction (read here when None, or for another day).
    Raises ValidationError (missing or stale rate, bank transfer outside IDR/Indonesia, a product
    that cannot go abroad) and markets.services.RateChanged (not the rate the checkout page showed).
    """
    if rates is None or rates.today != now.date() or rates.stale_days != rate_stale_days:
        rates = markets.load_rate_table(session, today=now.date(), stale_days=rate_stale_days)
    # The buyer's currency: the rate in force now (never guessed), the one the checkout page showed.
    rate = markets.checkout_rate(rates, currency)
    if expected_rate_version is not None:
        shown = rate_version_currency(expected_rate_version)
        if shown != currency:
            # Another currency than the page's (chosen in another tab): not a change of rate.
            raise CurrencyChanged(shown, currency)
    markets.check_rate_version(rate, expected_rate_version)
    address = choice.address
    if choice.payment_method == PaymentMethod.BANK_TRANSFER and (
        currency != "IDR" or address.country != "ID"
    ):
        raise ValidationError(
            str(
                _l("Bank transfer is only for orders paid in rupiah and delivered in Indonesia. Pay by card.")
            ),
            field="payment_method",
        )
    # The delivery country is the truth at placement, whatever market the cart was filled in.
    problem = export_problem([line.product for line in lines], address.country)
    if problem:
        raise ValidationError(problem, field="country")
    return rate


def export_problem(products, country: str) -> str | None:
    """Why these products cannot go to `country` (some cannot leave Indonesia), named in the
    reader's language; None when they all can."""
    if country == "ID":
        return None
    titles = [localized(product, "title") for product in products if not product.exportable]
    if not titles:
        return None
    return str(
        _l(
            "%(titles)s cannot be shipped abroad: remove it from your cart, or deliver within Indonesia.",
            titles=", ".join(f"“{title}”" for title in titles),
        )
        if len(titles) == 1
        else _l(
            "%(titles)s cannot be shipped abroad: remove them from your cart, or deliver within Indonesia.",
            titles=", ".join(f"“{title}”" for title in titles),
        )
    )


def check_card_minimum(price: CheckoutPrice, payment_method: PaymentMethod, *, lang: str) -> None:
    """A card order's total must reach Stripe's minimum charge (ValidationError otherwise)."""
    if payment_method != PaymentMethod.STRIPE:
        return
    minimum = stripe_minimum(price.currency, price.exchange_rate)
    if minimum is not None and price.total_minor < minimum.minor:
        raise ValidationError(
            str(
                _l(
                    "Card payments must be at least %(amount)s. Add something to your cart.",
                    amount=minimum.format(lang if lang in ("id", "en") else "id"),
                )
            ),
            field="payment_method",
        )


# --------------------------------------------------------------------------------------------
# Pricing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelPrice:
    """One seller's part of the order: each seller packs and ships their own parcel.

    `quote` is None when the parcel could not be priced: no destination yet, or `problem`.
    """

    seller_id: int
    lines: list[PricedLine]
    quote: ShippingQuote | None = None
    problem: DomainError | None = None

    @property
    def weight_grams(self) -> int:
        return sum(line.weight_grams for line in self.lines)


@dataclass(frozen=True)
class CheckoutPrice:
    """Lines, shipping per parcel and totals in the buyer's currency, exactly as charged."""

    lines: list[PricedLine]
    parcels: list[ParcelPrice]
    converted: ConvertedOrder

    @property
    def currency(self) -> str:
        return self.converted.currency

    @property
    def exchange_rate(self):
        return self.converted.exchange_rate

    @property
    def unit_prices(self) -> dict[tuple[int, int], int]:
        """{line key (product id, variant id): unit price in the buyer's currency}."""
        return {line.key: unit for line, unit in zip(self.lines, self.converted.unit_prices, strict=True)}

    @property
    def parcel_shipping(self) -> dict[int, int]:
        """{seller_id: the parcel's shipping in the buyer's currency}, for the parcels quoted."""
        quoted = [parcel.seller_id for parcel in self.parcels if parcel.quote is not None]
        return dict(zip(quoted, self.converted.shipping, strict=True))

    @property
    def shipping_known(self) -> bool:
        return all(parcel.quote is not None for parcel in self.parcels)

    @property
    def zone_code(self) -> str | None:
        return next((p.quote.zone_code for p in self.parcels if p.quote and p.quote.zone_code), None)

    @property
    def subtotal_minor(self) -> int:
        return self.converted.subtotal

    @property
    def shipping_minor(self) -> int:
        return self.converted.shipping_total

    @property
    def total_minor(self) -> int:
        return self.converted.total

    @property
    def total_idr_minor(self) -> int:
        """The total in rupiah as the receipt will say it (`orders.amounts.rupiah_total`): the goods
        at their rupiah prices, each parcel's shipping as charged converted back at the rate."""
        return rupiah_total(
            goods_idr=sum(line.line_total_minor for line in self.lines),
            shipping=self.converted.shipping,
            currency=self.currency,
            rate=self.exchange_rate,
        )

    def raise_problem(self) -> None:
        """Raise the first parcel's pricing problem (in seller order), if any."""
        for parcel in self.parcels:
            if parcel.problem is not None:
                raise parcel.problem


def price_checkout(
    session: Session,
    lines: Sequence[PricedLine],
    *,
    destination: ShippingAddress | None,
    shipping_method: ShippingMethod | str,
    currency: str,
    rate: Rate | None,
) -> CheckoutPrice:
    """Price `lines` (IDR, product id order) for `destination` in `currency` at `rate`.

    Shipping per seller, in the order the sellers first appear. A parcel that cannot be quoted
    keeps the error as its `problem` (and no shipping); with `destination` None no parcel is
    quoted. Unit prices are converted half up, × quantity; shipping per parcel; totals are sums
    (markets.convert_order). Raises ValidationError only for a currency without a rate.
    """
    method = ShippingMethod(shipping_method)
    by_seller: dict[int, list[PricedLine]] = defaultdict(list)
    for line in lines:
        by_seller[line.product.seller_id].append(line)
    parcels = []
    # Every parcel goes to the same destination: its zone and tiers are read once.
    rates = (
        destination_rates(session, destination)
        if destination is not None and method == ShippingMethod.COURIER and by_seller
        else None
    )
    for seller_id, seller_lines in by_seller.items():
        if destination is None:
            parcels.append(ParcelPrice(seller_id, seller_lines))
            continue
        try:
            quote = quote_shipping(
                session,
                origin_village=seller_lines[0].product.seller.village,
                destination=destination,
                weight_grams=sum(line.weight_grams for line in seller_lines),
                method=method.value,
                item_weights=[ln.unit_weight_grams for ln in seller_lines for _ in range(ln.quantity)],
                rates=rates,
            )
        except DomainError as error:
            parcels.append(ParcelPrice(seller_id, seller_lines, problem=error))
        else:
            parcels.append(ParcelPrice(seller_id, seller_lines, quote=quote))
    converted = markets.convert_order(
        currency=currency,
        rate=rate,
        lines_idr=[(line.unit_price_minor, line.quantity) for line in lines],
        shipping_idr=[parcel.quote.price.minor for parcel in parcels if parcel.quote is not None],
    )
    return CheckoutPrice(lines=list(lines), parcels=parcels, converted=converted)


# --------------------------------------------------------------------------------------------
# What the buyer saw: the destination that can be priced, the quote, and its check
# --------------------------------------------------------------------------------------------


def quote_destination(
    address: ShippingAddress, shipping_method: ShippingMethod | str
) -> ShippingAddress | None:
    """`address` when it says enough to price shipping by `shipping_method`, else None.

    Pickup is priced whatever the street (free, or refused abroad). A courier in Indonesia needs
    a province from the list and the city (Banyuwangi regency is a zone of its own, matched on the
    city); abroad the zone is the country's, so a known country is enough.
    """
    if shipping_method == ShippingMethod.PICKUP:
        return address
    if address.country == contact.HOME_COUNTRY:
        if address.province in contact.PROVINCES and address.city.strip():
            return address
        return None
    return address if address.country in contact.country_names("en") else None


@dataclass(frozen=True)
class CheckoutQuote:
    """The checkout page's prices for what the form says so far.

    `chosen` is the order as it would be placed (the chosen method; no shipping while the
    destination is unknown); `courier` prices courier delivery to the same destination, for the
    courier option's label (the same object when the courier is chosen).
    """

    chosen: CheckoutPrice
    courier: CheckoutPrice
    #: Whether the destination says enough to price the chosen method (`quote_destination`).
    destination_known: bool
    #: `destination_key` of the method and address priced.
    destination: str = ""

    @property
    def token(self) -> str:
        return quote_token(self.chosen)


def quote_checkout(
    session: Session,
    lines: Sequence[PricedLine],
    *,
    address: ShippingAddress,
    shipping_method: ShippingMethod | str,
    currency: str,
    rate: Rate | None,
) -> CheckoutQuote:
    """Price `lines` for the form's `address` (possibly half typed) and method, as `place_order`
    would: the checkout page and its JSON quote both show this. Raises ValidationError only for a
    currency without a rate (see `price_checkout`)."""
    try:
        method = ShippingMethod(shipping_method)
    except ValueError:
        method = ShippingMethod.COURIER
    to_courier = quote_destination(address, ShippingMethod.COURIER)
    courier = price_checkout(
        session,
        lines,
        destination=to_courier,
        shipping_method=ShippingMethod.COURIER,
        currency=currency,
        rate=rate,
    )
    key = destination_key(address, method)
    if method == ShippingMethod.COURIER:
        return CheckoutQuote(
            chosen=courier, courier=courier, destination_known=to_courier is not None, destination=key
        )
    chosen = price_checkout(
        session, lines, destination=address, shipping_method=method, currency=currency, rate=rate
    )
    return CheckoutQuote(chosen=chosen, courier=courier, destination_known=True, destination=key)
