"""Small test documents, good and hostile, made on the fly (nothing binary in the repository)."""

import io

import pikepdf
from PIL import Image


def pdf_bytes(pages: int = 1, **tweak) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    if tweak.get("javascript"):
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
    if tweak.get("launch"):
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.Launch, F="cmd.exe")
    if tweak.get("names_javascript"):
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array()))
    if tweak.get("embedded"):
        pdf.attachments["x.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ...", filename="x.exe")
    if tweak.get("annotation_js"):
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=[0, 0, 10, 10],
            A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="x()"),
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([link]))
    out = io.BytesIO()
    # Deterministic: the same arguments give the same bytes (tests compare and deduplicate).
    if tweak.get("encrypted"):
        pdf.save(out, encryption=pikepdf.Encryption(owner="pemilik", user="rahasia"))
    else:
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def image_bytes(fmt: str = "PNG", size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def bomb_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, format="PNG")  # 144 megapixels, a few KB
    return out.getvalue()


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_image(lines, size=40, width=1400) -> "Image.Image":
    """Black text on white, as a scanner at about 300 dpi sees 10-12 pt type."""
    from PIL import ImageDraw, ImageFont

    font = ImageFont.truetype(FONT, size)
    image = Image.new("L", (width, 60 + len(lines) * size * 2), 255)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((40, 30 + row * size * 2), line, font=font, fill=0)
    return image


def scan_pdf(lines) -> bytes:
    """A PDF holding only a picture of the text (a scan): no text layer."""
    out = io.BytesIO()
    text_image(lines).save(out, format="PDF", resolution=300)
    return out.getvalue()


def text_pdf(lines) -> bytes:
    """A born-digital PDF: its text in a text layer (Helvetica, a standard font)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
    )
    body = "".join(
        f"BT /F1 11 Tf 50 {780 - 16 * i} Td ({line}) Tj ET\n" for i, line in enumerate(lines)
    )
    page.obj.Contents = pdf.make_stream(body.encode("latin-1"))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()
