"""The demo's people: fourteen workers waiting for a sponsor, and ten donors.

Names, villages and stories are invented but true to Bali; each recipient's NIK and KK are built
from their own facts so that they pass the same checks as real ones.
"""

import datetime as dt
from dataclasses import dataclass

from recipients.models import Occupation, Regency


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
