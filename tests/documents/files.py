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
