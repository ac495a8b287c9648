"""`manage.py seed_demo`: a believable Bali program to click through, made without any files.

Everything is dated relative to today (Bali time), so that on whatever day it runs the demo holds
one sponsorship in each situation staff meet: a pledge awaiting its payment, evidence to verify,
well covered, ending this month, due, one and two months overdue, lapsed (recorded, and by the
calendar but not yet recorded), a recipient who died with a refund owed, a stopped sponsorship
and a PayPal one. Prices, evidence, coverage and lapse days go through the real services, so
what the pages show is what the code computes; only past timestamps are moved back afterwards.

Running it again changes nothing: the first demo recipient's NIK marks the data as present.
"""

import datetime as dt
import io
import random
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from core.months import add_months, month_start
from core.templatetags.rupiah import format_rupiah
from core.uploads import clean_evidence
from donations.models import Donor, DonorRequest, Message, Sponsorship
from donations.reminders import lapse
from premiums import rules, services
from premiums.models import PaymentEvidence, PremiumPayment, PremiumRate, Refund
from recipients.models import (
    BpjsCard,
    CardHandover,
    HandoverPhoto,
    Occupation,
    Recipient,
    Regency,
    SituationUpdate,
)

DEMO_USERNAME = "coordinator"
DEMO_PASSWORD = "bcc-demo-2026"
RATE_NOTE = "PP 44/2015 BPU lowest bracket"


# --- the people -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A demo recipient; the NIK and KK are built from these facts (see `nik`)."""

    nickname: str
    full_name: str
    sex: str
    born: dt.date
    occupation: str
    regency: str
    district: str  # kecamatan: digits 5-6 of the NIK
    village: str
    address: str
    phone: str
    consent: bool
    story: str
    story_id: str
    detail: str = ""
    notes: str = ""

    def nik(self, serial: int) -> str:
        """Region, district, date of birth as DDMMYY (day + 40 for women), serial."""
        day = self.born.day + (40 if self.sex == "F" else 0)
        return f"{self.regency}{self.district}{day:02d}{self.born:%m%y}{serial:04d}"

    def kk(self, serial: int) -> str:
        issued = dt.date(2008 + serial % 11, serial % 12 + 1, serial % 27 + 1)
        return f"{self.regency}{self.district}{issued:%d%m%y}{serial + 100:04d}"


PEOPLE = {
    "wayan": Person(
        "Wayan",
        "I Wayan Sudarsana",
        "M",
        dt.date(1979, 3, 14),
        Occupation.COCONUT_CLIMBER,
        Regency.KARANGASEM,
        "03",
        "Desa Sidemen",
        "Banjar Tabola, Desa Sidemen, Kec. Sidemen, Karangasem",
        "+6281338412907",
        True,
        "Wayan climbs thirty to forty coconut palms a day around Sidemen, without a harness, to "
        "pick coconuts for the market. He supports his wife, three children and his mother; a "
        "fall would leave the whole family without an income.",
        "Wayan memanjat tiga puluh sampai empat puluh pohon kelapa setiap hari di sekitar "
        "Sidemen, tanpa tali pengaman, untuk memetik kelapa yang dijual ke pasar. Ia menghidupi "
        "istri, tiga anak dan ibunya; jika ia jatuh, seluruh keluarga kehilangan penghasilan.",
        detail="Climbs 30-40 palms a day",
    ),
    "made": Person(
        "Made",
        "Ni Made Sriasih",
        "F",
        dt.date(1984, 7, 2),
        Occupation.TUAK_MAKER,
        Regency.KARANGASEM,
        "03",
        "Desa Sidemen",
        "Banjar Lebu, Desa Sidemen, Karangasem",
        "+6285737215480",
        True,
        "Made taps the flowers of the palms behind her house every morning and evening to make "
        "tuak, which she sells in the village. Since her husband died she climbs the trees "
        "herself.",
        "Setiap pagi dan sore Made menyadap bunga pohon di belakang rumahnya untuk membuat tuak "
        "yang dijual di desa. Sejak suaminya meninggal, ia sendiri yang memanjat pohon.",
    ),
    "nyoman": Person(
        "Nyoman",
        "I Nyoman Suartika",
        "M",
        dt.date(1990, 11, 23),
        Occupation.CONSTRUCTION_WORKER,
        Regency.GIANYAR,
        "01",
        "Desa Sukawati",
        "Banjar Babakan, Desa Sukawati, Gianyar",
        "+6287861044392",
        False,
        "Nyoman carries cement and lays bricks on building sites in Gianyar and Denpasar, paid "
        "by the day. He is often away from home for weeks.",
        "Nyoman mengangkut semen dan memasang bata di proyek bangunan di Gianyar dan Denpasar, "
        "dengan upah harian. Ia sering berminggu-minggu tidak pulang.",
        notes="Rarely at home: call before visiting.",
    ),
    "ketut": Person(
        "Ketut",
        "Ni Ketut Rai",
        "F",
        dt.date(1968, 5, 30),
        Occupation.FARMER,
        Regency.TABANAN,
        "10",
        "Desa Jatiluwih",
        "Banjar Gunung Sari, Desa Jatiluwih, Penebel, Tabanan",
        "",
        True,
        "Ketut works her family's small rice field below Jatiluwih and hires herself out at "
        "harvest time. She looks after two grandchildren whose parents work in Denpasar.",
        "Ketut menggarap sawah kecil keluarganya di bawah Jatiluwih dan menjadi buruh tani saat "
        "panen. Ia mengasuh dua cucu yang orang tuanya bekerja di Denpasar.",
        notes="No phone: reach her through the kelian banjar.",
    ),
    "komang": Person(
        "Komang",
        "I Komang Adi Saputra",
        "M",
        dt.date(1988, 1, 9),
        Occupation.FISHER,
        Regency.JEMBRANA,
        "02",
        "Desa Pengambengan",
        "Dusun Ketapang Lampu, Desa Pengambengan, Negara, Jembrana",
        "+6281999120333",
        True,
        "Komang goes out at night in a small jukung outrigger from Pengambengan to catch "
        "sardines. Bad weather and the open sea make every trip a risk.",
        "Komang melaut pada malam hari dengan jukung kecil dari Pengambengan untuk menangkap "
        "ikan lemuru. Cuaca buruk dan laut lepas membuat setiap perjalanan berisiko.",
    ),
    "budi": Person(
        "Budi",
        "I Ketut Budiasa",
        "M",
        dt.date(1975, 9, 17),
        Occupation.TRANSPORT_WORKER,
        Regency.DENPASAR,
        "01",
        "Kelurahan Sesetan",
        "Jl. Raya Sesetan Gg. Merpati 7, Denpasar Selatan",
        "+6281338907115",
        False,
        "Budi drives a motorbike taxi (ojek) in Denpasar's traffic ten hours a day, and "
        "delivers food in the evenings to pay his children's school fees.",
        "Budi menjadi tukang ojek di jalanan Denpasar sepuluh jam sehari, dan malamnya mengantar "
        "makanan untuk membayar biaya sekolah anak-anaknya.",
        detail="Ojek and food delivery",
    ),
    "luh": Person(
        "Luh",
        "Ni Luh Putu Ayu Lestari",
        "F",
        dt.date(1992, 4, 5),
        Occupation.CASUAL_WORKER,
        Regency.BADUNG,
        "02",
        "Desa Mengwi",
        "Banjar Serangan, Desa Mengwi, Badung",
        "+6285737661902",
        True,
        "Luh takes whatever work she finds: carrying goods at the Mengwi market, cleaning "
        "villas, picking chillies. She is raising her son alone.",
        "Luh mengerjakan apa saja yang ada: mengangkut barang di pasar Mengwi, membersihkan "
        "vila, memetik cabai. Ia membesarkan anak laki-lakinya seorang diri.",
    ),
    "gede": Person(
        "Gede",
        "I Gede Mertayasa",
        "M",
        dt.date(1981, 12, 11),
        Occupation.COCONUT_CLIMBER,
        Regency.BULELENG,
        "07",
        "Desa Tejakula",
        "Banjar Dinas Kawanan, Desa Tejakula, Buleleng",
        "+6287861330548",
        False,
        "Gede climbs coconut and lontar palms along the north coast near Tejakula. Two years ago "
        "he fell, broke his arm and could not work for four months.",
        "Gede memanjat pohon kelapa dan lontar di pesisir utara dekat Tejakula. Dua tahun lalu "
        "ia jatuh dan patah tangan, dan tidak bisa bekerja selama empat bulan.",
    ),
    "darma": Person(
        "Darma",
        "I Made Darma",
        "M",
        dt.date(1970, 6, 21),
        Occupation.OTHER,
        Regency.BANGLI,
        "04",
        "Desa Batur",
        "Banjar Kalanganyar, Desa Batur, Kintamani, Bangli",
        "+6281236654010",
        True,
        "Darma collects plastic and scrap metal for recycling around Kintamani, walking the "
        "roadsides with a sack. What he earns depends on the price of plastic that week.",
        "Darma mengumpulkan sampah plastik dan besi bekas untuk didaur ulang di sekitar "
        "Kintamani, menyusuri pinggir jalan dengan karung. Penghasilannya tergantung harga "
        "plastik minggu itu.",
        detail="Collects plastic for recycling (pemulung)",
    ),
    "rentin": Person(
        "Rentin",
        "I Wayan Rentin",
        "M",
        dt.date(1969, 8, 8),
        Occupation.TUAK_MAKER,
        Regency.KLUNGKUNG,
        "04",
        "Desa Batukandik",
        "Dusun Tanah Bias, Desa Batukandik, Nusa Penida, Klungkung",
        "",
        False,
        "Rentin made tuak and palm sugar on Nusa Penida, climbing lontar palms twice a day.",
        "Rentin membuat tuak dan gula aren di Nusa Penida, memanjat pohon lontar dua kali sehari.",
    ),
    "nengah": Person(
        "Nengah",
        "I Nengah Sutama",
        "M",
        dt.date(1985, 2, 27),
        Occupation.CONSTRUCTION_WORKER,
        Regency.KLUNGKUNG,
        "03",
        "Desa Dawan Kaler",
        "Banjar Dawan Kelod, Desa Dawan Kaler, Klungkung",
        "+6281338271664",
        True,
        "Nengah is a stonemason who carves and lays paras stone for temples and houses around "
        "Dawan. The scaffolding on temple gates is often nothing but bamboo.",
        "Nengah adalah tukang batu yang mengukir dan memasang batu paras untuk pura dan rumah di "
        "sekitar Dawan. Perancah di gerbang pura sering hanya dari bambu.",
        detail="Stonemason (paras stone)",
    ),
    "kadek": Person(
        "Kadek",
        "Ni Kadek Sukerti",
        "F",
        dt.date(1983, 10, 19),
        Occupation.CASUAL_WORKER,
        Regency.GIANYAR,
        "06",
        "Kelurahan Gianyar",
        "Banjar Teges, Kelurahan Gianyar, Gianyar",
        "+6285737408826",
        True,
        "Kadek is a tukang suun: from before dawn she carries loads of up to fifty kilos on her "
        "head through Gianyar market.",
        "Kadek adalah tukang suun: sejak sebelum subuh ia menjunjung barang hingga lima puluh "
        "kilo di atas kepala di Pasar Gianyar.",
        detail="Market porter (tukang suun)",
    ),
    "sari": Person(
        "Sari",
        "Ni Komang Sariani",
        "F",
        dt.date(1995, 12, 1),
        Occupation.FARMER,
        Regency.BANGLI,
        "04",
        "Desa Songan",
        "Banjar Songan B, Desa Songan, Kintamani, Bangli",
        "+6281999507263",
        True,
        "Sari grows oranges and onions on a steep slope near Lake Batur. Her husband is ill, so "
        "she carries the harvest and sprays the crops herself.",
        "Sari menanam jeruk dan bawang di lereng curam dekat Danau Batur. Suaminya sakit, "
        "sehingga ia sendiri yang memikul hasil panen dan menyemprot tanaman.",
    ),
    "eka": Person(
        "Eka",
        "I Putu Eka Pranata",
        "M",
        dt.date(1993, 7, 15),
        Occupation.FISHER,
        Regency.BULELENG,
        "08",
        "Desa Sangsit",
        "Banjar Dinas Celuk, Desa Sangsit, Sawan, Buleleng",
        "+6287861772950",
        False,
        "Eka is a young fisherman from Sangsit who dives for fish and lobster with a home-made "
        "spear gun and no proper equipment.",
        "Eka adalah nelayan muda dari Sangsit yang menyelam mencari ikan dan lobster dengan "
        "panah ikan buatan sendiri, tanpa peralatan yang layak.",
    ),
}
# Present after a run: the demo data is not written twice.
MARKER_NIK = PEOPLE["wayan"].nik(1)


@dataclass(frozen=True)
class Sponsor:
    full_name: str
    display_name: str
    listed: bool
    email: str
    phone: str
    country: str
    language: str
    notes: str = ""


SPONSORS = {
    "putu": Sponsor(
        "Putu Adnyana", "Putu A.", True, "putu.adnyana@example.com", "+6281237765410", "ID", "id"
    ),
    "dewi": Sponsor(
        "Dewi Lestari", "", False, "dewi.lestari@example.com", "+6281805523871", "ID", "id"
    ),
    "sutrisna": Sponsor(
        "Made Sutrisna", "M.S.", True, "made.sutrisna@example.net", "+6285792204513", "ID", "id"
    ),
    "sudiarta": Sponsor(
        "Komang Sudiarta", "", False, "k.sudiarta@example.net", "+6281338660127", "ID", "id"
    ),
    "ayu": Sponsor(
        "Ayu Pratiwi", "Ayu P.", True, "ayu.pratiwi@example.org", "+6281246039982", "ID", "en"
    ),
    "kadek": Sponsor(
        "Kadek Wulandari", "Kadek W.", True, "kadek.w@example.org", "+6287762345108", "ID", "id"
    ),
    "sarah": Sponsor(
        "Sarah Mitchell",
        "Sarah M.",
        True,
        "sarah.mitchell@example.com",
        "+61412345678",
        "AU",
        "en",
        notes="Visits Sidemen every July; happy to meet the recipients.",
    ),
    "joost": Sponsor(
        "Joost van den Berg", "Joost", True, "joost.vdberg@example.nl", "+31612345678", "NL", "en"
    ),
    "emily": Sponsor(
        "Emily Carter", "", False, "emily.carter@example.com", "+12025550143", "US", "en"
    ),
    "thomas": Sponsor(
        "Thomas Becker", "T.B.", True, "t.becker@example.de", "+4915112345678", "DE", "en"
    ),
}

# Rupiah per unit of the donor's currency, roughly, for believable PayPal amounts.
EXCHANGE = {"AUD": 10_600, "EUR": 18_100, "USD": 16_400}


# --- pictures drawn with Pillow ------------------------------------------------------------


def _font(size: int):
    return ImageFont.load_default(size=size)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def portrait(person: Person, seed: int) -> bytes:
    """A simple painted head-and-shoulders portrait with the person's initials."""
    rng = random.Random(seed)
    background = rng.choice([(230, 196, 140), (150, 196, 170), (170, 190, 225), (225, 170, 160)])
    shirt = rng.choice([(180, 40, 50), (40, 90, 160), (60, 120, 70), (120, 70, 140)])
    skin = rng.choice([(176, 124, 88), (160, 110, 75), (190, 140, 100)])
    hair, dark = (35, 28, 24), (45, 35, 30)
    image = Image.new("RGB", (300, 360), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((30, 250, 270, 480), fill=shirt)
    draw.rectangle((128, 200, 172, 265), fill=skin)
    if person.sex == "F":
        draw.ellipse((82, 70, 218, 250), fill=hair)
        draw.ellipse((120, 52, 180, 96), fill=hair)  # the bun
    draw.ellipse((95, 85, 205, 222), fill=skin)
    if person.sex == "M":
        # An udeng, the Balinese head cloth, with its knot in front.
        draw.chord((90, 70, 210, 150), 180, 360, fill=(240, 238, 230))
        draw.polygon([(140, 95), (150, 62), (160, 95)], fill=(240, 238, 230))
    draw.ellipse((122, 140, 134, 152), fill=dark)
    draw.ellipse((166, 140, 178, 152), fill=dark)
    draw.arc((125, 160, 175, 198), 20, 160, fill=dark, width=3)
    initials = "".join(part[0] for part in person.full_name.split()[1:3])
    draw.rectangle((0, 318, 300, 360), fill=tuple(c // 2 for c in background))
    draw.text((150, 339), initials, fill="white", font=_font(26), anchor="mm")
    return _jpeg(image)


def handover_picture(caption: str, seed: int) -> bytes:
    """BCC staff handing the BPJS card over in the village, as a naive painting."""
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 420), (150, 200, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 250, 640, 420), fill=rng.choice([(90, 160, 70), (120, 150, 80)]))
    # A split temple gate (candi bentar) behind the people.
    for left in (40, 150):
        for step in range(4):
            box = (left + 8 * step, 220 - 30 * step, left + 90 - 8 * step, 250 - 30 * step)
            draw.rectangle(box, fill=(150, 90, 70))
    for x, shirt in ((330, (30, 90, 170)), (450, rng.choice([(200, 60, 60), (230, 180, 60)]))):
        draw.ellipse((x - 40, 200, x + 40, 380), fill=shirt)
        draw.ellipse((x - 25, 140, x + 25, 200), fill=(170, 118, 82))
    # The card between their hands.
    draw.rectangle((372, 262, 412, 288), fill="white", outline=(0, 120, 60), width=2)
    draw.rectangle((372, 262, 412, 270), fill=(0, 150, 70))
    draw.rectangle((0, 385, 640, 420), fill=(30, 30, 30))
    draw.text((12, 402), caption[:70], fill="white", font=_font(18), anchor="lm")
    return _jpeg(image)


def receipt_png(lines: list[str], *, blurred: bool = False) -> bytes:
    """A BPJS Ketenagakerjaan payment receipt as a phone photo would show it."""
    image = Image.new("RGB", (560, 600), (252, 252, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 560, 70), fill=(0, 132, 64))
    draw.text((24, 35), "BPJS Ketenagakerjaan", fill="white", font=_font(28), anchor="lm")
    y = 100
    for line in lines:
        draw.text((24, y), line, fill=(35, 35, 35), font=_font(18))
        y += 36
    draw.line((24, y + 4, 536, y + 4), fill=(180, 180, 180), width=1)
    draw.ellipse((380, y + 30, 520, y + 130), outline=(0, 132, 64), width=4)
    draw.text((450, y + 80), "LUNAS", fill=(0, 132, 64), font=_font(30), anchor="mm")
    if blurred:
        image = image.filter(ImageFilter.GaussianBlur(6))
    return _png(image)


def receipt_pdf(lines: list[str]) -> bytes:
    """A one-page PDF receipt, written by hand: header, five objects, cross-reference table."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    text = ["BT", "/F1 16 Tf", "18 TL", "50 780 Td", "(BPJS Ketenagakerjaan) Tj", "/F1 11 Tf"]
    text += ["T*", "T*"] + [f"({escape(line)}) Tj T*" for line in lines] + ["ET"]
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# --- the program ------------------------------------------------------------------------------


class DemoProgram:
    """Writes the demo rows. Call `build()` inside a transaction."""

    def __init__(self, staff, today: dt.date):
        self.staff = staff
        self.today = today
        self.now = timezone.now()
        self.this_month = month_start(today)
        self.recipients: dict[str, Recipient] = {}
        self.donors: dict[str, Donor] = {}
        self.links: list[tuple[Donor, str]] = []
        self._serial = 0

    # Dates: `month(n, day)` is a day of the month n months from this one.
    def month(self, n: int, day: int = 1) -> dt.date:
        return add_months(self.this_month, n).replace(day=day)

    def at(self, day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
        """An aware moment in Bali time, never later than now."""
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        return min(moment, self.now)

    def days_ago(self, days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
        return self.at(self.today - dt.timedelta(days=days), hour, minute)

    def build(self):
        for index, (key, person) in enumerate(PEOPLE.items()):
            self.recipients[key] = self._recipient(index, person)
        for key, sponsor in SPONSORS.items():
            self.donors[key] = self._donor(sponsor)
        self.covered_after_renewal()
        self.paypal_just_verified()
        self.paid_through_this_month()
        self.due()
        self.one_month_overdue()
        self.two_months_overdue()
        self.renewal_awaiting_verification()
        self.lapsed_and_recorded()
        self.lapsed_not_yet_recorded()
        self.recipient_died()
        self.stopped_then_pledged_again()
        self.pledged_with_evidence()
        for key in ("sarah", "putu"):
            donor = self.donors[key]
            self.links.append((donor, donor.issue_link(days=settings.DONOR_LINK_DAYS)))

    # --- rows ---------------------------------------------------------------------------------

    def _recipient(self, index: int, person: Person) -> Recipient:
        recipient = Recipient(
            nickname=person.nickname,
            full_name=person.full_name,
            sex=person.sex,
            date_of_birth=person.born,
            occupation=person.occupation,
            occupation_detail=person.detail,
            regency=person.regency,
            village=person.village,
            address=person.address,
            phone=person.phone,
            photo_consent=person.consent,
            story=person.story,
            story_id=person.story_id,
            household_notes=person.notes,
            nik=person.nik(index * 7 + 1),
            kk=person.kk(index * 5 + 3),
            waiting_since=self.month(-4 - index % 5, 3 + index),
        )
        recipient.photo.save("portrait.jpg", ContentFile(portrait(person, index)), save=False)
        recipient.save()
        return recipient

    def _donor(self, sponsor: Sponsor) -> Donor:
        donor = Donor.objects.create(
            full_name=sponsor.full_name,
            display_name=sponsor.display_name,
            listed_publicly=sponsor.listed,
            email=sponsor.email,
            phone=sponsor.phone,
            country=sponsor.country,
            language=sponsor.language,
            notes=sponsor.notes,
        )
        donor.issue_link(days=settings.DONOR_LINK_DAYS)
        return donor

    def _pledge(self, donor_key, recipient_key, first_month, months, pledged_on):
        """A pledge written as the public form would have, back when it was made."""
        donor, recipient = self.donors[donor_key], self.recipients[recipient_key]
        route = Sponsorship.Route.PAYPAL if donor.is_overseas else Sponsorship.Route.DIRECT
        sponsorship = Sponsorship.objects.create(
            donor=donor,
            recipient=recipient,
            first_month=first_month,
            months_pledged=months,
            route=route,
        )
        Sponsorship.objects.filter(pk=sponsorship.pk).update(created_at=self.at(pledged_on, 9))
        if not recipient.sponsorships.exclude(pk=sponsorship.pk).exists():
            # Found by BCC some weeks before a donor chose them.
            recipient.waiting_since = pledged_on - dt.timedelta(days=25 + 9 * (recipient.pk % 6))
            recipient.save(update_fields=["waiting_since"])
        self._refresh(sponsorship)
        return sponsorship

    def _refresh(self, sponsorship):
        with transaction.atomic():
            locked = Sponsorship.objects.select_for_update().get(pk=sponsorship.pk)
            services.refresh_coverage(locked)
        sponsorship.refresh_from_db()

    def _payment(self, sponsorship, months, *, first_month=None, paypal=None):
        """A payment priced from the rate table; the first one starts with the sponsorship."""
        if first_month is None and sponsorship.payments.exists():
            return self._renewal(sponsorship, months, paypal=paypal)
        first_month = first_month or sponsorship.first_month
        amount = services.price(sponsorship, first_month, months)
        return PremiumPayment.objects.create(
            sponsorship=sponsorship,
            first_month=first_month,
            months=months,
            amount=amount,
            channel=sponsorship.route,
            **(self._paypal(amount, *paypal) if paypal else {}),
        )

    def _renewal(self, sponsorship, months, *, paypal=None):
        payment = services.start_next_payment(sponsorship, months)
        if paypal:
            for field, value in self._paypal(payment.amount, *paypal).items():
                setattr(payment, field, value)
            payment.save()
        return payment

    def _paypal(self, amount: int, currency: str, transaction_id: str, paid_on: dt.date):
        """What an overseas donor sent through PayPal for `amount`, and what BCC received."""
        rate = EXCHANGE[currency]
        # Donors are asked to add 5% for PayPal's fees and the exchange rate.
        sent = (Decimal(amount) * Decimal("1.05") / rate).quantize(Decimal("0.01"), ROUND_UP)
        return {
            "paypal_amount": sent,
            "paypal_currency": currency,
            "paypal_transaction_id": transaction_id,
            "rupiah_received": int(sent * rate * Decimal("0.955")),
            "bpjs_paid_on": paid_on,
        }

    def _evidence(self, payment, received: dt.datetime, *, pdf=False, blurred=False):
        """The receipt for a payment, through the same checks and service as an upload."""
        sponsorship = payment.sponsorship
        recipient = sponsorship.recipient
        paypal = sponsorship.route == Sponsorship.Route.PAYPAL
        self._serial += 1
        lines = [
            "BUKTI PEMBAYARAN IURAN",
            "Program: JKK + JKM (Bukan Penerima Upah)",
            f"Nama peserta: {recipient.full_name}",
            f"NIK: {recipient.nik}",
            f"Periode: {payment.first_month:%m/%Y} - {payment.last_month:%m/%Y} "
            f"({payment.months} bulan)",
            f"Jumlah: {format_rupiah(payment.amount)}",
            f"Tanggal bayar: {timezone.localtime(received):%d/%m/%Y %H:%M} WITA",
            f"Dibayar oleh: {'Bali Caring Community' if paypal else sponsorship.donor.full_name}",
            f"No. referensi: BPU{timezone.localtime(received):%y%m%d}{self._serial:05d}",
        ]
        if pdf:
            upload = SimpleUploadedFile("receipt.pdf", receipt_pdf(lines), "application/pdf")
        else:
            upload = SimpleUploadedFile("receipt.png", receipt_png(lines, blurred=blurred))
        evidence = services.submit_evidence(
            payment, clean_evidence(upload), by=self.staff if paypal else None
        )
        PaymentEvidence.objects.filter(pk=evidence.pk).update(received_at=received)
        Message.objects.filter(key=f"evidence_received:{evidence.pk}").update(created_at=received)
        evidence.refresh_from_db()
        self._refresh(sponsorship)
        return evidence

    def _verify(self, evidence, *, after_days=2):
        """Staff verify the evidence; the service computes coverage, then the dates move back."""
        services.verify_evidence(evidence, by=self.staff)
        reviewed = min(evidence.received_at + dt.timedelta(days=after_days), self.now)
        payment = evidence.payment
        PaymentEvidence.objects.filter(pk=evidence.pk).update(reviewed_at=reviewed)
        PremiumPayment.objects.filter(pk=payment.pk).update(verified_at=reviewed)
        Sponsorship.objects.filter(pk=payment.sponsorship_id, activated_at__gt=reviewed).update(
            activated_at=reviewed
        )
        Message.objects.filter(key=f"evidence_verified:{evidence.pk}").update(created_at=reviewed)
        payment.sponsorship.refresh_from_db()

    def _reject(self, evidence, reason, *, after_days=2):
        services.reject_evidence(evidence, by=self.staff, reason=reason)
        reviewed = min(evidence.received_at + dt.timedelta(days=after_days), self.now)
        PaymentEvidence.objects.filter(pk=evidence.pk).update(reviewed_at=reviewed)
        Message.objects.filter(key=f"evidence_rejected:{evidence.pk}").update(created_at=reviewed)
        evidence.payment.sponsorship.refresh_from_db()

    def _paid(self, sponsorship, months, received, **options):
        """A payment whose evidence arrived on `received` and was verified two days later."""
        pdf = options.pop("pdf", False)
        payment = self._payment(sponsorship, months, **options)
        self._verify(self._evidence(payment, received, pdf=pdf))
        return payment

    def _card(self, recipient_key, number, issued_on, handover=None):
        """The BPJS card and, if `handover` = (date, place, photos, documented), its handover."""
        recipient = self.recipients[recipient_key]
        card = BpjsCard.objects.create(
            recipient=recipient,
            participant_number=number,
            issued_on=issued_on,
            recorded_by=self.staff,
        )
        if handover is None:
            return card
        day, place, photos, documented = handover
        record = CardHandover.objects.create(
            card=card,
            handed_over_on=day,
            place=place,
            handed_over_by=self.staff,
            notes=f"Explained JKK and JKM to {recipient.nickname} and the family.",
            documentation_sent_at=self.at(day + dt.timedelta(days=3), 16) if documented else None,
        )
        for number_in_set in range(photos):
            caption = f"{recipient.nickname} receives the BPJS card, {place}"
            if number_in_set:
                caption = f"{recipient.nickname} with family and BCC volunteer"
            photo = HandoverPhoto(handover=record, caption=caption, public_consent=photos > 1)
            picture = handover_picture(caption, recipient.pk * 10 + number_in_set)
            photo.image.save("handover.jpg", ContentFile(picture), save=False)
            photo.save()
        return card

    # --- one sponsorship in each situation ---------------------------------------------------

    def covered_after_renewal(self):
        """Putu sponsors Wayan: two years paid in two payments, covered for months to come."""
        s = self._pledge("putu", "wayan", self.month(-14), 24, self.month(-15, 6))
        self._paid(s, 12, self.at(self.month(-15, 20), 11, 15))
        self._paid(s, 12, self.at(self.month(-3, 24), 19, 40))
        self._card(
            "wayan",
            "24071403791",
            self.month(-13, 10),
            (self.month(-13, 24), "Banjar Tabola, Sidemen", 2, True),
        )

    def paypal_just_verified(self):
        """Joost (NL) pays by PayPal; BCC paid BPJS this week. The card is not issued yet."""
        s = self._pledge("joost", "komang", self.this_month, 24, self.month(-1, 12))
        paid = self.today - dt.timedelta(days=4)
        payment = self._payment(s, 24, paypal=("EUR", "9XK42817LM5530412", paid))
        self._verify(self._evidence(payment, self.days_ago(3, 14, 5)), after_days=1)

    def paid_through_this_month(self):
        """Sarah (AU) sponsors Made by PayPal: paid through this month, coverage ends soon."""
        s = self._pledge("sarah", "made", self.month(-11), 12, self.month(-12, 3))
        paypal = ("AUD", "5TT20961VB3348127", self.month(-12, 17))
        self._paid(s, 12, self.at(self.month(-12, 18), 9, 30), paypal=paypal, pdf=True)
        # BPJS took its time with this card; the handover photos have not gone to Sarah yet.
        self._card(
            "made",
            "24090207842",
            self.month(-2, 3),
            (self.month(-1, 15), "Banjar Lebu, Sidemen", 1, False),
        )

    def due(self):
        """Kadek W. sponsors Kadek: paid through last month, so this month's payment is due."""
        s = self._pledge("kadek", "kadek", self.month(-12), 12, self.month(-13, 15))
        self._paid(s, 12, self.at(self.month(-13, 27), 8, 10))
        self._card(
            "kadek",
            "24110319813",
            self.month(-11, 12),
            (self.month(-11, 26), "Pasar Gianyar", 1, True),
        )

    def one_month_overdue(self):
        """Made Sutrisna sponsors Nyoman: paid through two months ago, one month overdue."""
        s = self._pledge("sutrisna", "nyoman", self.month(-13), 12, self.month(-14, 8))
        self._paid(s, 12, self.at(self.month(-14, 22), 20, 5))
        # Nyoman works away from home: the card still waits for him at the BCC office.
        self._card("nyoman", "24081123904", self.month(-12, 5))

    def two_months_overdue(self):
        """Komang Sudiarta sponsors Ketut: the renewal receipt was unreadable and was rejected."""
        s = self._pledge("sudiarta", "ketut", self.month(-14), 24, self.month(-15, 2))
        self._paid(s, 12, self.at(self.month(-15, 21), 13, 0))
        renewal = self._payment(s, 12)
        evidence = self._evidence(renewal, self.at(self.month(-1, 6), 18, 22), blurred=True)
        self._reject(
            evidence,
            "The photo is too blurred to read the amount and the participant's name. "
            "Please send a clearer photo or the PDF receipt from BPJS.",
        )
        self._card(
            "ketut",
            "24061305685",
            self.month(-13, 11),
            (self.month(-13, 23), "Balai Banjar Gunung Sari, Jatiluwih", 1, True),
        )

    def renewal_awaiting_verification(self):
        """Dewi sponsors Nengah: paid through last month; the renewal receipt came yesterday."""
        s = self._pledge("dewi", "nengah", self.month(-12), 24, self.month(-13, 9))
        self._paid(s, 12, self.at(self.month(-13, 23), 10, 45))
        self._evidence(self._payment(s, 12), self.days_ago(1, 19, 45))
        self._card(
            "nengah",
            "24100227766",
            self.month(-11, 14),
            (self.month(-11, 28), "Pura Dalem Dawan", 2, True),
        )

    def lapsed_and_recorded(self):
        """Putu's earlier sponsorship of Darma: three months without evidence, lapse recorded."""
        s = self._pledge("putu", "darma", self.month(-16), 12, self.month(-17, 11))
        self._paid(s, 12, self.at(self.month(-17, 25), 7, 50))
        self._card(
            "darma",
            "24051621437",
            self.month(-15, 7),
            (self.month(-15, 19), "Desa Batur", 1, True),
        )
        lapse(s, on=self.today)
        darma = self.recipients["darma"]
        darma.waiting_since = s.lapses_on
        darma.save(update_fields=["waiting_since"])

    def lapsed_not_yet_recorded(self):
        """Thomas (DE) sponsored Gede: lapsed on the 1st by the calendar, not yet recorded."""
        s = self._pledge("thomas", "gede", self.month(-15), 12, self.month(-16, 4))
        paypal = ("EUR", "1AB77340HN2219934", self.month(-16, 14))
        self._paid(s, 12, self.at(self.month(-16, 14), 16, 30), paypal=paypal, pdf=True)
        self._card(
            "gede",
            "24071211558",
            self.month(-14, 9),
            (self.month(-14, 21), "Banjar Dinas Kawanan, Tejakula", 0, True),
        )

    def recipient_died(self):
        """Sarah's second sponsorship: Rentin died last month; BPJS owes the unused months."""
        s = self._pledge("sarah", "rentin", self.month(-10), 24, self.month(-11, 2))
        paypal = ("AUD", "8GM51123RT4490276", self.month(-11, 13))
        payment = self._paid(s, 24, self.at(self.month(-11, 14), 10, 0), paypal=paypal)
        self._card(
            "rentin",
            "24040808361",
            self.month(-9, 6),
            (self.month(-9, 16), "Dusun Tanah Bias, Nusa Penida", 1, True),
        )
        died = self.month(-1, 9)
        rentin = self.recipients["rentin"]
        rentin.status, rentin.deceased_on = Recipient.Status.DECEASED, died
        rentin.save(update_fields=["status", "deceased_on"])
        SituationUpdate.objects.create(
            recipient=rentin,
            kind=SituationUpdate.Kind.DECEASED,
            happened_on=died,
            message=(
                "We are sorry to tell you that Rentin passed away after a short illness. "
                "His family received the JKM death benefit of Rp 42 million thanks to your "
                "sponsorship. BPJS will refund the months paid after his death: would you like "
                "the refund back, or to use it for another worker who is waiting?"
            ),
            notes="Heirs' claim filed at the BPJS office in Semarapura.",
            recorded_by=self.staff,
        )
        s.state = Sponsorship.State.AWAITING_DECISION
        s.decision_requested_at = self.at(died + dt.timedelta(days=4), 11)
        s.save(update_fields=["state", "decision_requested_at"])
        months, amount = rules.refund_amount(
            PremiumRate.objects.as_rules(), died, [payment.period], rentin.sector
        )
        Refund.objects.create(
            payment=payment,
            unused_months=months,
            amount=amount,
            state=Refund.State.CLAIMED,
            claimed_on=died + dt.timedelta(days=12),
            notes="Claimed together with the JKM death benefit.",
        )

    def stopped_then_pledged_again(self):
        """Dewi sponsored Luh for a year and then stopped; Emily (US) has just pledged for her."""
        s = self._pledge("dewi", "luh", self.month(-26), 12, self.month(-27, 5))
        self._paid(s, 12, self.at(self.month(-27, 16), 12, 20), pdf=True)
        self._card(
            "luh",
            "24092404730",
            self.month(-25, 4),
            (self.month(-25, 15), "Banjar Serangan, Mengwi", 1, True),
        )
        asked, handled = self.at(self.month(-15, 20), 8, 40), self.at(self.month(-15, 22), 15)
        request = DonorRequest.objects.create(
            sponsorship=s,
            kind=DonorRequest.Kind.STOP,
            message="My warung closed this year and I cannot continue for now. Thank you, BCC!",
            status=DonorRequest.Status.DONE,
            handled_by=self.staff,
            handled_at=handled,
        )
        DonorRequest.objects.filter(pk=request.pk).update(created_at=asked)
        s.state, s.ended_at = Sponsorship.State.STOPPED, handled
        s.end_reason = "The donor asked to stop: her business closed."
        s.save(update_fields=["state", "ended_at", "end_reason"])
        luh = self.recipients["luh"]
        luh.waiting_since = timezone.localdate(handled)
        luh.save(update_fields=["waiting_since"])

        # Emily's pledge goes through the public form's own service; her PayPal is not in yet.
        services.create_pledge(
            recipient_id=luh.pk,
            donor=self.donors["emily"],
            first_month=self.month(1),
            months=12,
            route=Sponsorship.Route.PAYPAL,
        )
        pledged = self.days_ago(2, 21, 10)
        emily = Sponsorship.objects.get(recipient=luh, state=Sponsorship.State.PLEDGED)
        Sponsorship.objects.filter(pk=emily.pk).update(created_at=pledged)
        Message.objects.filter(key=f"pledge_received:{emily.pk}").update(created_at=pledged)

    def pledged_with_evidence(self):
        """Ayu pledged for Budi from this month and sent her receipt two days ago."""
        s = self._pledge("ayu", "budi", self.this_month, 12, self.month(-1, 25))
        self._evidence(self._payment(s, 12), self.days_ago(2, 14, 10))


# --- the command ------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Fill an empty database with demo data for Bali: recipients, donors, sponsorships in "
        "every situation, payments, evidence, cards, and a staff login. Safe to run twice."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            staff = self._staff_user()
            if Recipient.objects.filter(nik=MARKER_NIK).exists():
                self.stdout.write("Demo data already present: nothing changed.")
                program = None
            else:
                # The standard rate, unless staff already entered it.
                PremiumRate.objects.get_or_create(
                    first_month=dt.date(2015, 1, 1),
                    last_month=None,
                    sector="",
                    defaults={"jkk": 10_000, "jkm": 6_800, "note": RATE_NOTE},
                )
                program = DemoProgram(staff, timezone.localdate())
                program.build()

        if program:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data for {program.today:%d %B %Y}: "
                    f"{len(program.recipients)} recipients, {len(program.donors)} donors, "
                    f"{Sponsorship.objects.count()} sponsorships, "
                    f"{PremiumPayment.objects.count()} payments, "
                    f"{PaymentEvidence.objects.count()} evidence files, "
                    f"{BpjsCard.objects.count()} BPJS cards, "
                    f"{CardHandover.objects.count()} card handovers, "
                    f"{Refund.objects.count()} refund."
                )
            )
            for donor, raw in program.links:
                self.stdout.write(
                    f"Private page of {donor} ({donor.country.name}): {donor.private_url(raw)}"
                )
        self.stdout.write(f"Demo staff login: {DEMO_USERNAME} / {DEMO_PASSWORD}")
        self.stdout.write(f"Admin: {settings.SITE_URL}/admin/")

    def _staff_user(self):
        User = get_user_model()
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is None:
            user = User.objects.create_superuser(
                DEMO_USERNAME,
                "coordinator@example.org",
                DEMO_PASSWORD,
                first_name="Demo",
                last_name="Coordinator",
            )
        return user
