"""Contact rules every domain shares: email addresses, phone numbers and postal addresses.

One set of rules, so that an address saved in an account always passes checkout, a seller's
phone is read the way a buyer's is, and the checkout, the account pages and the services agree.
Values are cleaned first (`clean_address`, `clean_phone`), then checked (`address_errors`,
`phone_ok`, `email_ok`). Messages are marked for translation and translated inside a request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from marketplace.i18n import message as _l

__all__ = [
    "ADDRESS_FIELDS",
    "HOME_COUNTRY",
    "MAX_LENGTHS",
    "PROVINCES",
    "PROVINCE_ALIASES",
    "address_errors",
    "canonical_province",
    "clean_address",
    "clean_phone",
    "country_names",
    "email_ok",
    "office_contact",
    "mobile_e164",
    "mobile_display",
    "normalize_email",
    "phone_digits",
    "phone_ok",
]

HOME_COUNTRY = "ID"

#: Indonesia's 38 provinces (since the 2022 Papua split), as shown on addresses.
PROVINCES: tuple[str, ...] = (
    "Aceh",
    "Sumatera Utara",
    "Sumatera Barat",
    "Riau",
    "Kepulauan Riau",
    "Jambi",
    "Sumatera Selatan",
    "Kepulauan Bangka Belitung",
    "Bengkulu",
    "Lampung",
    "DKI Jakarta",
    "Jawa Barat",
    "Banten",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Jawa Timur",
    "Bali",
    "Nusa Tenggara Barat",
    "Nusa Tenggara Timur",
    "Kalimantan Barat",
    "Kalimantan Tengah",
    "Kalimantan Selatan",
    "Kalimantan Timur",
    "Kalimantan Utara",
    "Sulawesi Utara",
    "Gorontalo",
    "Sulawesi Tengah",
    "Sulawesi Barat",
    "Sulawesi Selatan",
    "Sulawesi Tenggara",
    "Maluku",
    "Maluku Utara",
    "Papua",
    "Papua Barat",
    "Papua Barat Daya",
    "Papua Selatan",
    "Papua Tengah",
    "Papua Pegunungan",
)


# --- email -----------------------------------------------------------------------------------

#: RFC 5321's limit on a whole address.
MAX_EMAIL_LENGTH = 254


def normalize_email(email: str | None) -> str:
    """Trimmed and lower-cased: the form every email is stored and looked up in."""
    return (email or "").strip().lower()


def email_ok(email: str, *, allow_reserved: bool = False) -> bool:
    """Whether `email` (already normalized) is a deliverable-looking address (no DNS lookup).

    `allow_reserved` accepts the reserved ".test" domains the demo data and tests use
    (everywhere but production).
    """
    if not email or len(email) > MAX_EMAIL_LENGTH:
        return False
    try:
        validate_email(email, check_deliverability=False, test_environment=allow_reserved)
    except EmailNotValidError:
        return False
    return True


# --- phone -----------------------------------------------------------------------------------

#: As typed: an optional +, then 8 to 20 characters of digits, spaces and hyphens.
PHONE = re.compile(r"^\+?[0-9][0-9 \-]{6,18}[0-9]$")
_PHONE_PUNCTUATION = re.compile(r"[().,/]")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")


def clean_phone(raw: str | None) -> str:
    """Brackets, dots and slashes read as spaces, runs of spaces as one: "(0812) 3456.7890" →
    "0812 3456 7890". What is stored and what `phone_ok` checks."""
    return " ".join(_PHONE_PUNCTUATION.sub(" ", raw or "").split())


def phone_ok(phone: str) -> bool:
    """Whether a cleaned phone number can be dialled: 8 to 20 digits, spaces or hyphens, + first."""
    return bool(PHONE.match(phone.strip()))


def phone_digits(raw: str | None) -> str:
    """Only the digits and a leading +, for comparing and storing numbers without spacing."""
    return _PHONE_SEPARATORS.sub("", raw or "")


# --- Indonesian mobile numbers (WhatsApp) ---------------------------------------------------

#: The national number of an Indonesian mobile line without its trunk 0: 8, then the operator's
#: digit (081x Telkomsel/Indosat/XL, 082x, 083x Axis, 085x, 087x XL, 088x Smartfren, 089x Tri),
#: then 7 to 10 digits: 0812-345-678 up to 0812-3456-78901 as dialled at home.
MOBILE_NATIONAL = re.compile(r"^8[1235789][0-9]{7,10}$")
INDONESIA_CALLING_CODE = "62"


def mobile_e164(raw: str | None) -> str | None:
    """An Indonesian mobile number in E.164 ("+6281234567890"), or None when it is not one.

    Takes it as people write it: "0812 3456 7890", "0812-3456-7890", "(0812) 3456.7890",
    "+62 812 3456 7890", "62812…", "+62 (0)812…". Landlines (021…, 0333…) and numbers abroad are
    refused: WhatsApp contact is for the maker's own phone.
    """
    digits = phone_digits(clean_phone(raw))  # "+62 (0)812" → "+620812": the 0 goes below
    if digits.startswith("+"):
        if not digits.startswith("+" + INDONESIA_CALLING_CODE):
            return None
        digits = digits[1 + len(INDONESIA_CALLING_CODE) :]
    elif digits.startswith(INDONESIA_CALLING_CODE + "8"):
        digits = digits[len(INDONESIA_CALLING_CODE) :]
    if digits.startswith("0"):
        digits = digits[1:]
    if not MOBILE_NATIONAL.match(digits):
        return None
    return f"+{INDONESIA_CALLING_CODE}{digits}"


def mobile_display(e164: str) -> str:
    """ "+6281234567890" → "+62 812-3456-7890": grouped the way Indonesians read a mobile number."""
    national = e164.removeprefix("+" + INDONESIA_CALLING_CODE)
    groups = [national[:3], national[3:7], national[7:]]
    return f"+{INDONESIA_CALLING_CODE} " + "-".join(group for group in groups if group)


def phone_text(raw: str | None, *, abroad: bool = False) -> str:
    """A stored phone number as people read it: an Indonesian mobile grouped as written at home,
    "0812-3456-7890" (packing slips, labels at home), or with the country code for a reader
    abroad, "+62 812-3456-7890"; anything else (a landline, a number abroad) as stored."""
    e164 = mobile_e164(raw)
    if e164 is None:
        return raw or ""
    if abroad:
        return mobile_display(e164)
    national = e164.removeprefix("+" + INDONESIA_CALLING_CODE)
    return "-".join(group for group in ("0" + national[:3], national[3:7], national[7:]) if group)


# --- postal addresses ------------------------------------------------------------------------

#: The fields of a delivery address, by their checkout names (accounts say `recipient_name`).
ADDRESS_FIELDS = (
    "name", "phone", "street", "line2", "district", "city", "province", "postal_code", "country"
)  # fmt: skip
MAX_LENGTHS = {"name": 120, "street": 200, "line2": 200, "district": 120, "city": 120, "province": 120}

POSTAL_CODE = re.compile(r"^[1-9][0-9]{4}$")
#: An Indonesian postal code as people type it, split by spaces, dots or dashes ("68 416", "684-16").
_SPLIT_POSTAL_CODE = re.compile(r"^[0-9][0-9 .\-]*[0-9]$")
#: Postal codes abroad: a few common formats checked exactly, any other country loosely.
FOREIGN_POSTAL_CODES = {
    "NL": (re.compile(r"^[1-9][0-9]{3} ?[A-Z]{2}$"), "1012 AB"),
    "DE": (re.compile(r"^[0-9]{5}$"), "10115"),
    "FR": (re.compile(r"^[0-9]{5}$"), "75001"),
    "GB": (re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"), "SW1A 1AA"),
    "US": (re.compile(r"^[0-9]{5}(-[0-9]{4})?$"), "94107"),
    "CA": (re.compile(r"^[A-Z][0-9][A-Z] ?[0-9][A-Z][0-9]$"), "K1A 0B1"),
    "AU": (re.compile(r"^[0-9]{4}$"), "2000"),
    "NZ": (re.compile(r"^[0-9]{4}$"), "6011"),
    "JP": (re.compile(r"^[0-9]{3}-?[0-9]{4}$"), "100-0001"),
    "SG": (re.compile(r"^[0-9]{6}$"), "018956"),
    "MY": (re.compile(r"^[0-9]{5}$"), "50088"),
    "TH": (re.compile(r"^[0-9]{5}$"), "10200"),
    "KR": (re.compile(r"^[0-9]{5}$"), "03154"),
}
ANY_POSTAL_CODE = re.compile(r"^[A-Z0-9][A-Z0-9 \-]{1,10}$")
#: Countries without postal codes: the field may stay empty.
NO_POSTAL_CODE = frozenset({"HK", "MO", "AE", "QA", "FJ", "TL"})
#: Countries whose post needs the state/province/prefecture on the label.
NEEDS_REGION = frozenset({"US", "CA", "AU", "JP", "MY", "CN"})


@lru_cache(maxsize=4)
def country_names(lang: str = "en") -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → country name in `lang` (CLDR data from Babel)."""
    from babel import Locale  # in-function: Babel's locale data loads slowly; only forms need it

    names = Locale.parse(lang if lang in ("id", "en") else "en").territories
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    }


#: The short forms and other spellings buyers type for a province (the ones in everyday use:
#: newspapers, the provinces' own sites), each to its name as listed. Compared like the names:
#: case, dots and extra spaces aside, after a leading "Provinsi"/"Prov.".
PROVINCE_ALIASES: dict[str, str] = {
    "NAD": "Aceh",
    "Nanggroe Aceh Darussalam": "Aceh",
    "Sumut": "Sumatera Utara",
    "Sumatra Utara": "Sumatera Utara",
    "North Sumatra": "Sumatera Utara",
    "Sumbar": "Sumatera Barat",
    "Sumatra Barat": "Sumatera Barat",
    "West Sumatra": "Sumatera Barat",
    "Kepri": "Kepulauan Riau",
    "Riau Islands": "Kepulauan Riau",
    "Sumsel": "Sumatera Selatan",
    "Sumatra Selatan": "Sumatera Selatan",
    "South Sumatra": "Sumatera Selatan",
    "Babel": "Kepulauan Bangka Belitung",
    "Bangka Belitung": "Kepulauan Bangka Belitung",
    "DKI": "DKI Jakarta",
    "Jakarta": "DKI Jakarta",
    "Jabar": "Jawa Barat",
    "West Java": "Jawa Barat",
    "Jateng": "Jawa Tengah",
    "Central Java": "Jawa Tengah",
    "DIY": "DI Yogyakarta",
    "Daerah Istimewa Yogyakarta": "DI Yogyakarta",
    "Yogyakarta": "DI Yogyakarta",
    "Yogya": "DI Yogyakarta",
    "Jogja": "DI Yogyakarta",
    "Jogjakarta": "DI Yogyakarta",
    "Jatim": "Jawa Timur",
    "East Java": "Jawa Timur",
    "NTB": "Nusa Tenggara Barat",
    "West Nusa Tenggara": "Nusa Tenggara Barat",
    "NTT": "Nusa Tenggara Timur",
    "East Nusa Tenggara": "Nusa Tenggara Timur",
    "Kalbar": "Kalimantan Barat",
    "Kalteng": "Kalimantan Tengah",
    "Kalsel": "Kalimantan Selatan",
    "Kaltim": "Kalimantan Timur",
    "Kaltara": "Kalimantan Utara",
    "Sulut": "Sulawesi Utara",
    "Sulteng": "Sulawesi Tengah",
    "Sulbar": "Sulawesi Barat",
    "Sulsel": "Sulawesi Selatan",
    "Sultra": "Sulawesi Tenggara",
    "Malut": "Maluku Utara",
    "Pabar": "Papua Barat",
    "PBD": "Papua Barat Daya",
}


def _province_key(text: str) -> str:
    words = text.replace(".", " ").casefold().split()
    if words[:1] in (["provinsi"], ["prov"]):
        words = words[1:]
    # "D.I. Yogyakarta", "D.I.Y.", "N.T.B.": the single letters the dots separated join again.
    joined: list[str] = []
    in_initials = False
    for word in words:
        if len(word) == 1 and in_initials:
            joined[-1] += word
        else:
            joined.append(word)
        in_initials = len(word) == 1
    return " ".join(joined)


_PROVINCE_BY_KEY = {_province_key(province): province for province in PROVINCES}
_PROVINCE_OR_ALIAS_BY_KEY = {
    **{_province_key(alias): province for alias, province in PROVINCE_ALIASES.items()},
    **_PROVINCE_BY_KEY,
}


def canonical_province(text: str) -> str:
    """An Indonesian province as listed, from its name in any case ("jawa timur" → "Jawa Timur")
    or a short form in everyday use ("jatim", "DIY", "Kalbar": `PROVINCE_ALIASES`); other text
    unchanged."""
    return _PROVINCE_OR_ALIAS_BY_KEY.get(_province_key(text), text)


def clean_address(values: Mapping[str, object]) -> dict[str, str]:
    """The address fields as stored and checked: spaces collapsed, the country upper-cased
    (Indonesia when empty), the phone cleaned, an Indonesian province spelled as listed, an
    Indonesian postal code's digits joined ("68 416" → "68416") and a postal code abroad
    upper-cased. Abroad, an Indonesian province is dropped: it is what the form kept when the
    country was switched from Indonesia, never a region of another country."""
    cleaned = {name: " ".join(str(values.get(name) or "").split()) for name in ADDRESS_FIELDS}
    cleaned["country"] = (cleaned["country"] or HOME_COUNTRY).upper()
    cleaned["phone"] = clean_phone(cleaned["phone"])
    if cleaned["country"] == HOME_COUNTRY:
        cleaned["province"] = canonical_province(cleaned["province"])
        if _SPLIT_POSTAL_CODE.match(cleaned["postal_code"]):
            cleaned["postal_code"] = re.sub(r"[^0-9]", "", cleaned["postal_code"])
    else:
        cleaned["postal_code"] = cleaned["postal_code"].upper()
        # The listed names only: a short form may well be a region abroad.
        if _province_key(cleaned["province"]) in _PROVINCE_BY_KEY:
            cleaned["province"] = ""
    return cleaned


def address_errors(values: Mapping[str, str]) -> dict[str, str]:
    """Field name → message for every problem; empty when the address can be shipped to.

    `values` holds `ADDRESS_FIELDS` (missing ones count as empty). Indonesian addresses need the
    district, a province from the list and a 5-digit postal code; addresses abroad need a known
    country, the city and (for a few countries) the state or region, and a postal code in that
    country's format.
    """
    get = {name: str(values.get(name) or "") for name in ADDRESS_FIELDS}
    country = get["country"] or HOME_COUNTRY
    home = country == HOME_COUNTRY
    errors: dict[str, str] = {}
    if not home and country not in country_names("en"):
        errors["country"] = str(_l("Choose a country from the list."))
    if not get["name"].strip():
        errors["name"] = str(_l("Enter the recipient's name."))
    elif len(get["name"]) > MAX_LENGTHS["name"]:
        errors["name"] = str(_l("The name is too long (120 characters at most)."))
    if not phone_ok(get["phone"]) and home:
        errors["phone"] = str(_l("Enter a phone number of 8 to 20 digits, e.g. 0812 3456 7890."))
    elif not phone_ok(get["phone"]):
        errors["phone"] = str(
            _l("Enter a phone number of 8 to 20 digits with the country code, e.g. +31 20 123 4567.")
        )
    if not get["street"].strip():
        errors["street"] = str(_l("Enter the street and house number."))
    elif len(get["street"]) > MAX_LENGTHS["street"]:
        errors["street"] = str(_l("The street is too long (200 characters at most)."))
    if len(get["line2"]) > MAX_LENGTHS["line2"]:
        errors["line2"] = str(_l("This line is too long (200 characters at most)."))
    if home:
        _home_region_errors(get, errors)
    else:
        _foreign_region_errors(get, country, errors)
    return errors


def _home_region_errors(get: dict[str, str], errors: dict[str, str]) -> None:
    if not get["district"].strip():
        errors["district"] = str(_l("Enter the district (kecamatan)."))
    elif len(get["district"]) > MAX_LENGTHS["district"]:
        errors["district"] = str(_l("The district is too long (120 characters at most)."))
    if not get["city"].strip():
        errors["city"] = str(_l("Enter the city or regency (kota/kabupaten)."))
    elif len(get["city"]) > MAX_LENGTHS["city"]:
        errors["city"] = str(_l("The city is too long (120 characters at most)."))
    if get["province"] not in PROVINCES:
        errors["province"] = str(_l("Choose a province from the list."))
    if not POSTAL_CODE.match(get["postal_code"].strip()):
        errors["postal_code"] = str(_l("Enter the 5-digit postal code, e.g. 68461."))


def _foreign_region_errors(get: dict[str, str], country: str, errors: dict[str, str]) -> None:
    if len(get["district"]) > MAX_LENGTHS["district"]:
        errors["district"] = str(_l("This line is too long (120 characters at most)."))
    if not get["city"].strip():
        errors["city"] = str(_l("Enter the city."))
    elif len(get["city"]) > MAX_LENGTHS["city"]:
        errors["city"] = str(_l("The city is too long (120 characters at most)."))
    if len(get["province"]) > MAX_LENGTHS["province"]:
        errors["province"] = str(_l("The state or region is too long (120 characters at most)."))
    elif country in NEEDS_REGION and not get["province"].strip():
        errors["province"] = str(_l("Enter the state, province or region."))
    postal = " ".join(get["postal_code"].upper().split())
    if country in FOREIGN_POSTAL_CODES:
        pattern, example = FOREIGN_POSTAL_CODES[country]
        if not pattern.match(postal):
            errors["postal_code"] = str(_l("Enter the postal code, e.g. %(example)s.", example=example))
    elif postal or country not in NO_POSTAL_CODE:
        if not ANY_POSTAL_CODE.match(postal):
            errors["postal_code"] = str(_l("Enter the postal code (2 to 11 letters or digits)."))


def office_contact(config: Mapping) -> dict:
    """How buyers reach the district office, from OFFICE_EMAIL and OFFICE_PHONE (either may be
    empty): the one place that reads them, for the order page's help and the transfer desk's
    messages."""
    phone = (config.get("OFFICE_PHONE") or "").strip()
    return {
        "email": (config.get("OFFICE_EMAIL") or "").strip(),
        "phone": phone,
        "phone_href": "tel:" + "".join(c for c in phone if c.isdigit() or c == "+") if phone else "",
    }
