"""HTML to PDF with WeasyPrint, without the change it makes to Pillow for the whole process.

Imported, WeasyPrint switches on Pillow's LOAD_TRUNCATED_IMAGES, which would let truncated images
through the upload checks (core/uploads.py). It is imported here, once, and the setting is put
back at once; the PDFs of this site hold no raster image (the letterhead is inline SVG).
"""

from PIL import ImageFile

_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402

ImageFile.LOAD_TRUNCATED_IMAGES = _truncated


def html_to_pdf(html: str) -> bytes:
    return HTML(string=html).write_pdf()
