"""Task menus of the seller and curator areas: entries grouped by task, with waiting counts.

Each area declares its entries once (marketplace/dashboard/menu.py, marketplace/curation/console.py);
`build_menu` turns them into what templates/macros/area_menu.html shows for the current request:
the groups, the current page (aria-current) and the total waiting, for the menu's summary.
Entries whose endpoint is not registered are left out, so a menu never links to a missing page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Optional

from flask import current_app, request, url_for

from marketplace.i18n import current_language


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object  # a lazy string, rendered in the request's language
    #: Key into the area's counts whose number is shown beside the entry (and added to the total).
    count_key: Optional[str] = None
    #: Key of the MenuGroup the entry belongs to.
    group: str = ""
    #: Pages reached from this entry (a product's review, a rate's form): the entry is marked current there.
    related: tuple[str, ...] = ()
    #: The endpoint needs URL values (a shop id): shown only when the area passes them to build_menu.
    needs_values: bool = False


@dataclass(frozen=True)
class MenuGroup:
    key: str
    label: object  # a lazy string


@dataclass
class MenuItem:
    label: str
    url: str
    count: Optional[int]
    #: "page" on the entry's own page, "true" on the pages reached from it, "" elsewhere (aria-current).
    current: str


@dataclass
class MenuSection:
    key: str
    label: str
    items: list[MenuItem] = field(default_factory=list)


@dataclass
class AreaMenu:
    sections: list[MenuSection]
    #: Everything waiting in the area's queues: shown on the menu's summary.
    waiting: int
    #: The label of the entry marked current, or "" (shown on the summary, so phones see where they are).
    current_label: str

    @property
    def items(self) -> list[MenuItem]:
        return [item for section in self.sections for item in section.items]


@dataclass(frozen=True)
class _MenuTexts:
    #: Per entry: its label in the language, and its URL when it takes no values (None: not registered).
    entries: tuple[tuple[Optional[str], str], ...]
    groups: Mapping[str, str]


def _menu_texts(entries: tuple[MenuEntry, ...], groups: tuple[MenuGroup, ...]) -> _MenuTexts:
    """Labels and fixed URLs of a menu in the request's language, made once per app, language and
    mount point: translating and building ~25 links cost 0.65 ms on every seller and curator page."""
    key = (id(entries), current_language(), request.script_root)
    made = current_app.extensions.setdefault("menu_texts", {})  # menus × languages × mount points
    texts = made.get(key)
    if texts is None:
        views = current_app.view_functions
        texts = _MenuTexts(
            entries=tuple(
                (str(entry.label), "" if entry.needs_values else url_for(entry.endpoint))
                if entry.endpoint in views
                else (None, "")
                for entry in entries
            ),
            groups={group.key: str(group.label) for group in groups},
        )
        made[key] = texts
    return texts


def build_menu(
    entries: tuple[MenuEntry, ...],
    groups: tuple[MenuGroup, ...],
    counts: Mapping[str, int],
    *,
    url_values: Optional[Mapping[str, dict]] = None,
) -> AreaMenu:
    """The menu for the current request, grouped in the order of `groups` (empty groups left out)."""
    url_values = url_values or {}
    endpoint = request.endpoint
    texts = _menu_texts(entries, groups)
    sections = {group.key: MenuSection(group.key, texts.groups[group.key]) for group in groups}
    waiting = 0
    current_label = ""
    for entry, (label, fixed_url) in zip(entries, texts.entries, strict=True):
        if label is None or (entry.needs_values and entry.endpoint not in url_values):
            continue
        count = int(counts.get(entry.count_key, 0)) if entry.count_key else None
        waiting += count or 0
        current = "page" if endpoint == entry.endpoint else "true" if endpoint in entry.related else ""
        item = MenuItem(
            label=label,
            url=url_for(entry.endpoint, **url_values[entry.endpoint])
            if entry.endpoint in url_values
            else fixed_url,
            count=count,
            current=current,
        )
        if current and not current_label:
            current_label = item.label
        sections[entry.group].items.append(item)
    return AreaMenu(
        sections=[section for section in sections.values() if section.items],
        waiting=waiting,
        current_label=current_label,
    )
