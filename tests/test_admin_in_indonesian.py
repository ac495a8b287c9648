"""The admin in Bahasa Indonesia: every page a volunteer or a coordinator can open shows no
English outside the data (the scan is in tests/admin_scan.py)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from donations.models import Donor
from program.demo import DEMO_USERNAME
from recipients.models import Recipient
from tests import admin_scan
from tests.conftest import member_of
from tests.factories import RecipientFactory
from tests.helpers import admin_url

NOW = dt.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Makassar"))
pytestmark = [pytest.mark.django_db]


@pytest.fixture
def demo(staff_groups):
    with time_machine.travel(NOW, tick=False):
        call_command("seed_demo", stdout=io.StringIO())


def scan(client, requests=None, files=""):
    """({page: English left on it}, how many pages were opened) for the admin pages, or for
    `requests`: (name, a function of the language giving a response)."""
    if requests is None:
        requests = [
            (url, lambda language, url=url: client.get(url, HTTP_ACCEPT_LANGUAGE=language))
            for url in admin_scan.admin_pages()
        ]
    data = admin_scan.with_file(admin_scan.data_values(), files)
    found, opened = {}, 0
    for name, get in requests:
        pages = {}
        for language in ("id", "en"):
            response = get(language)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                break
            pages[language] = response.content.decode()
        else:
            opened += 1
            left = admin_scan.english_left(pages["id"], pages["en"], data)
            if left:
                found[name] = left
    return opened, found


def import_page(client, model, text):
    """The page showing an import's preview, or its errors, in `language`."""

    def get(language):
        csv_file = SimpleUploadedFile("records.csv", text.encode(), content_type="text/csv")
        return client.post(
            admin_url(model, "import"),
            {"import_file": csv_file, "format": "0", "resource": "0"},
            HTTP_ACCEPT_LANGUAGE=language,
        )

    return get


@pytest.mark.parametrize(
    ("role", "pages"),
    # The demo's superuser also opens the pages of the login lockouts and the authenticators.
    [("Volunteer", 30), ("Coordinator", 75), ("superuser", 90)],
)
def test_every_admin_page_is_in_indonesian(demo, role, pages):
    if role == "superuser":
        user = get_user_model().objects.get(username=DEMO_USERNAME, is_superuser=True)
    else:
        user = member_of(role, f"scan-{role.lower()}")
        assert not user.is_superuser
    client = Client()
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        opened, found = scan(client)
    assert opened > pages
    assert found == {}


def test_the_two_factor_pages_are_in_indonesian(demo, settings):
    settings.STAFF_2FA_REQUIRED = True
    client = Client()
    client.force_login(member_of("Volunteer", "new-volunteer"))  # no authenticator yet
    anonymous = Client()
    requests = [
        ("login", lambda language: anonymous.get("/admin/login/", HTTP_ACCEPT_LANGUAGE=language)),
        ("setup", lambda language: client.get("/staff/2fa/setup/", HTTP_ACCEPT_LANGUAGE=language)),
    ]
    with time_machine.travel(NOW, tick=False):
        opened, found = scan(client, requests)
    assert opened == 2
    assert found == {}


PREVIEW = "full_name,email\nAyu,ayu@example.org\n"
ERRORS = "full_name,email,country\nAyu,not-an-email,Xy\n"


def test_the_login_and_import_pages_are_in_indonesian(demo, coordinator_client):
    anonymous = Client()
    requests = [
        (
            "login",
            lambda language: anonymous.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE=language),
        ),
        (
            "import preview",
            import_page(coordinator_client, Donor, PREVIEW),
        ),
        (
            "import errors",
            import_page(coordinator_client, Donor, ERRORS),
        ),
        ("import of a file that is no CSV", import_page(coordinator_client, Donor, "\x00\x01")),
    ]
    with time_machine.travel(NOW, tick=False):
        # The preview shows the cells as the file holds them: yes/no in every language.
        opened, found = scan(coordinator_client, requests, files=PREVIEW + ERRORS + "yes,no")
    assert opened == 4
    assert found == {}


def test_the_scan_finds_english(demo):
    """The scan itself: an untranslated word on a page is reported, the data is not."""
    page_id = "<p>Simpan</p><p>Wayan</p><p>Save the changes</p><p>Nelayan</p>"
    page_en = "<p>Save</p><p>Wayan</p><p>Save the changes</p><p>Fisher</p>"
    data = admin_scan.data_values()
    assert admin_scan.english_left(page_id, page_en, data) == ["Save the changes"]
    story = Recipient.objects.exclude(story="").values_list("story", flat=True).first()
    assert admin_scan.english_words(story, []) != []  # English…
    assert admin_scan.english_left(f"<p>{story}</p>", f"<p>{story}</p>", data) == []  # …but data


def test_the_translated_labels_of_the_libraries_make_no_migration():
    """core/third_party.py changes what the admin shows, not the models' migrations."""
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 on a change
    assert "No changes detected" in out.getvalue()


def test_yes_and_no_icons_are_read_out_in_the_pages_language(coordinator_client):
    # Django writes Python's True/False as the icons' alt text; screen readers say it aloud.
    RecipientFactory(nickname="Wayan")
    url = admin_url(Recipient, "changelist")
    indonesian = coordinator_client.get(url, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    english = coordinator_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'alt="Ya"' in indonesian or 'alt="Tidak"' in indonesian
    assert 'alt="Yes"' in english or 'alt="No"' in english
    for page in (indonesian, english):
        assert 'alt="True"' not in page
        assert 'alt="False"' not in page
