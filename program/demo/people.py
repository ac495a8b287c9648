"""The demo's people: fourteen workers waiting for a sponsor, and ten donors.

Names, villages and stories are invented but true to Bali; each recipient's NIK and KK are built
from their own facts so that they pass the same checks as real ones. The facts themselves are
data, in `people.toml` next to this file.
"""

import datetime as dt
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

from recipients.models import Occupation, Regency


@dataclass(frozen=True)
class Person:
    """A demo recipient: the fields of their `Recipient` row, and the district of their NIK.

    The NIK and KK are built from these facts (see `nik`).
    """

    nickname: str
    full_name: str
    sex: str
    date_of_birth: dt.date
    occupation: str
    regency: str
    district: str  # kecamatan: digits 5-6 of the NIK
    village: str
    address: str
    phone: str
    photo_consent: bool
    story: str
    story_id: str
    occupation_detail: str = ""
    occupation_detail_id: str = ""
    household_notes: str = ""

    def recipient_fields(self) -> dict:
        """Everything but the district, which only the NIK and KK show."""
        fields = asdict(self)
        del fields["district"]
        return fields

    def nik(self, serial: int) -> str:
        """Region, district, date of birth as DDMMYY (day + 40 for women), serial."""
        born = self.date_of_birth
        day = born.day + (40 if self.sex == "F" else 0)
        return f"{self.regency}{self.district}{day:02d}{born:%m%y}{serial:04d}"

    def kk(self, serial: int) -> str:
        issued = dt.date(2008 + serial % 11, serial % 12 + 1, serial % 27 + 1)
        return f"{self.regency}{self.district}{issued:%d%m%y}{serial + 100:04d}"


@dataclass(frozen=True)
class Sponsor:
    """A demo donor: the fields of their `Donor` row."""

    full_name: str
    display_name: str
    listed_publicly: bool
    email: str
    phone: str
    country: str
    language: str
    notes: str = ""


def _person(facts: dict) -> Person:
    """A recipient from the file; a misspelt occupation or regency fails here, loudly."""
    choices = {"occupation": Occupation[facts["occupation"]], "regency": Regency[facts["regency"]]}
    return Person(**facts | choices)


def _load() -> tuple[dict[str, Person], dict[str, Sponsor]]:
    """The tables of people.toml, in the file's order."""
    with open(Path(__file__).with_name("people.toml"), "rb") as file:
        tables = tomllib.load(file)
    people = {key: _person(facts) for key, facts in tables["recipients"].items()}
    sponsors = {key: Sponsor(**facts) for key, facts in tables["donors"].items()}
    return people, sponsors


PEOPLE, SPONSORS = _load()
# Present after a run: the demo data is not written twice.
MARKER_NIK = PEOPLE["wayan"].nik(1)
