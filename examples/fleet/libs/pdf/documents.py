"""Build and read PDF documents in memory."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, DecodedStreamObject, DictionaryObject, NameObject


@dataclass(frozen=True)
class ExtractedText:
    pages: int
    text: str
    words: int


def one_page_pdf(text: str) -> bytes:
    """A one-page PDF that shows ``text`` (ASCII) in Helvetica."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    helvetica = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): helvetica})}
    )
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 14 Tf 72 720 Td ({escaped}) Tj ET".encode("ascii"))
    page.replace_contents(ContentStream(stream, writer))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def page_count(data: bytes) -> int:
    return len(PdfReader(io.BytesIO(data)).pages)


def extract_text(data: bytes) -> ExtractedText:
    """All text of the document, page by page, with pdfplumber's word segmentation."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [page.extract_text() or "" for page in pdf.pages]
        words = sum(len(page.extract_words()) for page in pdf.pages)
        return ExtractedText(pages=len(pdf.pages), text="\n".join(texts), words=words)
