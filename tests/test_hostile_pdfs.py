"""PDF evidence with active content is refused, wherever in the file the content hides.

Staff open evidence on the machines that hold national ID numbers, so a receipt may be a picture
or a plain document and nothing more: no script, no action run on opening, no launched program,
no attached file, no form that sends data. Every PDF here is built in the test, with pypdf's
writer or byte by byte, so that each case shows exactly where its active part sits.
"""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from core.uploads import clean_evidence
from tests.images import upload


def written(writer: PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def plain_pdf() -> bytes:
    return written(blank_writer())


def javascript_on_open() -> bytes:
    writer = blank_writer()
    writer.add_js("app.alert('hello');")  # a /JavaScript name tree, run when the file opens
    return written(writer)


def with_action(key: str, action: dict) -> bytes:
    """A catalog (or, for /AA, the page) that carries `action`."""
    writer = blank_writer()
    target = writer.pages[0] if key == "/AA" else writer._root_object
    value = DictionaryObject(
        {
            NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v))
            for k, v in action.items()
        }
    )
    if key == "/AA":
        value = DictionaryObject({NameObject("/O"): value})  # on opening the page
    target[NameObject(key)] = value
    return written(writer)


def attachment() -> bytes:
    writer = blank_writer()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    return written(writer)


def in_object_stream(active: bool) -> bytes:
    """The catalog and its /OpenAction compressed inside an object stream, with an xref stream:
    no byte of the file outside that stream names the action."""
    catalog = (
        b"<< /Type /Catalog /Pages 3 0 R" + (b" /OpenAction 4 0 R" if active else b"") + b" >>"
    )
    action = b"<< /S /JavaScript /JS (app.alert 1) >>" if active else b"<< /Producer (BCC) >>"
    header = b"2 0 4 %d " % (len(catalog) + 1)
    data = zlib.compress(header + catalog + b" " + action)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {1: len(out)}
    out += (
        b"1 0 obj\n<< /Type /ObjStm /N 2 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(data))
        + data
        + b"\nendstream\nendobj\n"
    )
    offsets[3] = len(out)
    out += b"3 0 obj\n<< /Type /Pages /Kids [5 0 R] /Count 1 >>\nendobj\n"
    offsets[5] = len(out)
    out += b"5 0 obj\n<< /Type /Page /Parent 3 0 R /MediaBox [0 0 595 842] >>\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + struct.pack(">I", 0) + b"\xff\xff"]
    for number in range(1, 7):
        if number in (2, 4):  # inside object stream 1, at index 0 and 1
            rows.append(b"\x02" + struct.pack(">I", 1) + struct.pack(">H", number // 4))
        else:
            rows.append(b"\x01" + struct.pack(">I", offsets[number]) + b"\x00\x00")
    xref = b"".join(rows)
    out += (
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 2 0 R /Length %d >>\nstream\n"
        % len(xref)
        + xref
        + b"\nendstream\nendobj\n"
    )
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


def incremental_update() -> bytes:
    """A plain PDF, then an update appended after its %%EOF that gives the catalog an action."""
    base = plain_pdf()
    update = b"\n99 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\ntrailer\n<< /Size 100 >>\n%%EOF\n"
    return base + update


def hex_escaped_name() -> bytes:
    """/J#61vaScript is /JavaScript once the reader decodes the escape."""
    return plain_pdf().replace(
        b"%\xe2\xe3\xcf\xd3",
        b"%\xe2\xe3\xcf\xd3\n98 0 obj\n<< /S /J#61vaScript /JS (x) >>\nendobj",
        1,
    )


HOSTILE = {
    "javascript name tree": javascript_on_open,
    "open action running javascript": lambda: with_action(
        "/OpenAction", {"/S": "/JavaScript", "/JS": "app.alert(1)"}
    ),
    "page additional action": lambda: with_action("/AA", {"/S": "/JavaScript", "/JS": "x"}),
    "launch action": lambda: with_action("/OpenAction", {"/S": "/Launch", "/F": "calc.exe"}),
    "submit form": lambda: with_action("/OpenAction", {"/S": "/SubmitForm", "/F": "https://x"}),
    "embedded file": attachment,
    "rich media": lambda: with_action(
        "/OpenAction", {"/S": "/RichMediaExecute", "/RichMedia": "/x"}
    ),
    "xfa form": lambda: with_action("/AcroForm", {"/XFA": "<xdp/>"}),
    "action inside an object stream": lambda: in_object_stream(active=True),
    "action in an incremental update": incremental_update,
    "hex-escaped name": hex_escaped_name,
}


@pytest.mark.parametrize("build", HOSTILE.values(), ids=HOSTILE.keys())
def test_it_refuses_a_pdf_with_active_content(build):
    with pytest.raises(ValidationError) as refused:
        clean_evidence(upload(build(), "kwitansi.pdf"))
    assert refused.value.code == "active_pdf"


@pytest.mark.parametrize(
    "build", [plain_pdf, lambda: in_object_stream(active=False)], ids=["plain", "object stream"]
)
def test_it_keeps_a_plain_pdf_byte_for_byte(build):
    content = build()
    assert clean_evidence(upload(content, "kwitansi.pdf")).content == content


def test_it_says_why_in_indonesian():
    with translation.override("id"), pytest.raises(ValidationError) as refused:
        clean_evidence(upload(javascript_on_open(), "kwitansi.pdf"))
    message = refused.value.messages[0]
    assert message == (
        "PDF ini berisi skrip, aksi, atau berkas lampiran, yang tidak diterima. "
        "Silakan kirim foto atau PDF biasa dari bukti pembayaran."
    )


def test_it_refuses_a_pdf_it_cannot_read_as_damaged():
    broken = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\nendobj\ntrailer\n<<>>\n%%EOF\n"
    with pytest.raises(ValidationError) as refused:
        clean_evidence(upload(broken, "kwitansi.pdf"))
    assert refused.value.code == "damaged"


def test_it_accepts_an_open_action_that_only_sets_the_opening_view():
    # What LibreOffice and most writers put there: open on page 1, fit to the window.
    writer = blank_writer()
    page = writer.pages[0].indirect_reference
    writer._root_object[NameObject("/OpenAction")] = ArrayObject([page, NameObject("/Fit")])
    content = written(writer)
    assert b"/OpenAction" in content
    assert clean_evidence(upload(content)).content == content
