"""A scan of the admin for English left in its Indonesian pages (for
tests/test_admin_in_indonesian.py and tests/browser/test_admin_in_indonesian.py).

Each page is rendered in both languages. A piece of visible text (a text node, or a label a
screen reader or tooltip shows: title, placeholder, aria-label, alt, a button's value) is
English when it is the same in both renders, holds a word of ENGLISH_WORDS, and is not data:
what the database holds (names, stories, captions…) is removed from it first.
"""

import re
from html.parser import HTMLParser

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import NoReverseMatch, reverse

#: Words of the admin's English that Indonesian never uses. Words the two languages share
#: (data, status, email, admin, total, filter, foto…) are not listed.
ENGLISH_WORDS = frozenset(
    re.findall(
        r"\w+",
        """
        about action actions add added all and any are back before by cancel change
        changed changes choose clear click close confirm confirmation country created
        currently date day days delete deleted details does done download edit enter
        error errors export field fields file find first for from go group groups has
        have here history home import in into is it its last line log login logout
        message messages month months more name new next no none not nothing now number
        of on one only or other out page password people please preview previous reason
        recent remove required reset resource row rows save search second see select
        selected send sent show some staff start submit than that the there these this
        time to today type unknown up update user username users value view was week
        what when which will with without year yes you your access address agent attempt
        attempts backup code codes device devices digits enabled expiry failed failure
        failures help key lockout lockouts password secret seconds step steps successful
        verification be can could do entries entry how if item items list may must
        object objects result results should were who would configuration identity meta
        path state throttling timestamps
        """,
    )
)

# A word with an underscore is a code (a CSV column, a stored value), not English.
# Letters and digits together make one token: a hash such as "ed07e56be398" holds no word.
_WORD = re.compile(r"[A-Za-z0-9_]+")
# Not visible, or data (a textarea's text, a select's options are checked by their own
# pages), or a code: <code> holds the CSV column names and file names.
_SKIPPED_TAGS = {"script", "style", "svg", "template", "textarea", "select", "code"}
_LABEL_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        for name in _LABEL_ATTRIBUTES:
            if attrs.get(name):
                self.texts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.texts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in _SKIPPED_TAGS and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [" ".join(text.split()) for text in parser.texts]


def data_values() -> list[str]:
    """Every piece of text the database holds (and each row's name), longest first."""
    values = set()
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField) and not f.choices
        ]
        for row in model._default_manager.all():
            values.update(str(getattr(row, name) or "") for name in fields)
            values.add(str(row))
    return sorted((v for v in values if len(v) >= 3), key=len, reverse=True)


def english_words(text: str, data: list[str]) -> list[str]:
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return [w for w in _WORD.findall(text) if w.lower() in ENGLISH_WORDS and "_" not in w]


def with_file(data: list[str], text: str) -> list[str]:
    """The data and the cells of an uploaded CSV file (an import shows them)."""
    cells = {cell.strip() for line in text.splitlines() for cell in line.split(",")}
    return sorted({*data, *(c for c in cells if c)}, key=len, reverse=True)


def english_left(html_id: str, html_en: str, data: list[str]) -> list[str]:
    """The texts of the Indonesian page that are English (see the module's docstring)."""
    return english_among(visible_texts(html_id), visible_texts(html_en), data)


def english_among(texts_id, texts_en, data: list[str]) -> list[str]:
    """The texts of the Indonesian page that are the same on the English one and English."""
    english = set(texts_en)
    return sorted({text for text in texts_id if text in english and english_words(text, data)})


def _url(name, *args):
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def admin_pages() -> list[str]:
    """Every admin page there is for some staff member: the index, each app's index, and for
    each registered model its list, add form, change form and history of its first row, its
    import and export pages; the password change and two-factor pages."""
    urls = [reverse("admin:index"), reverse("admin:password_change")]
    urls += [reverse("staff_2fa_setup"), reverse("staff_2fa_backup_codes")]
    labels = sorted({model._meta.app_label for model in admin.site._registry})
    urls += [reverse("admin:app_list", args=[label]) for label in labels]
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls += [_url(f"{info}_{view}") for view in ("changelist", "add", "import", "export")]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls += [_url(f"{info}_{view}", first.pk) for view in ("change", "history")]
    return [url for url in urls if url]
