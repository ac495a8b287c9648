"""The Indonesian catalogue is complete and compiled."""

import re
from pathlib import Path

from django.utils import translation

PO = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES" / "django.po"


def entries():
    text = PO.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        if "msgid" in block and not block.lstrip().startswith("#~"):
            yield block


def test_it_has_no_untranslated_or_fuzzy_entry():
    missing = []
    for block in entries():
        if "#, fuzzy" in block:
            missing.append(block)
            continue
        match = re.search(r'^msgstr(?:\[0\])? "(.*)"\n?((?:".*"\n?)*)', block, re.M)
        if match and not (match.group(1) or match.group(2).strip('"\n ')):
            missing.append(block)
    assert missing == []
    assert sum(1 for _ in entries()) > 200


def test_it_translates_the_pages_and_the_model_labels():
    with translation.override("id"):
        assert translation.gettext("People waiting") != "People waiting"
        assert translation.gettext("Coconut tree climber") != "Coconut tree climber"
        assert translation.gettext("Evidence of payment") != "Evidence of payment"
