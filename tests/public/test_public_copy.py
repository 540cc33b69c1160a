"""Photos published to the public lose their EXIF (GPS included) in the public copy; staff keep the original.

Read back with Pillow, as anyone who downloads a photo could."""
from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from tests.helpers import login

GPS_IFD = 0x8825
ARTIST = 0x013B


def photo_with_gps(fmt: str = "JPEG", orientation: int = 1) -> bytes:
    """A small photo whose EXIF says where it was taken (Guadalajara) and by whom, as phones write it."""
    exif = Image.Exif()
    exif[ARTIST] = "Teléfono de Rosa Martínez"
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (20.0, 40.0, 36.0), 3: "W", 4: (103.0, 20.0, 51.0)})
    img = Image.new("RGB", (64, 32), "white")
    img.paste((200, 30, 30), (0, 0, 16, 32))  # a red band on the left: shows whether a rotation was applied
    out = io.BytesIO()
    img.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


def _upload(client, token, content: bytes, name: str, visibility: str = "public") -> dict:
    r = client.post("/api/v1/evidence", headers={"Authorization": f"Bearer {token}"},
                    content_type="multipart/form-data",
                    data={"milestone": "6", "means": "Memoria fotográfica", "visibility": visibility,
                          "file": (io.BytesIO(content), name)})
    assert r.status_code == 201, r.get_data(as_text=True)
    return r.get_json()


def _exif(content: bytes) -> Image.Exif:
    with Image.open(io.BytesIO(content)) as img:
        img.load()
        assert "xmp" not in img.info
        return img.getexif()


def test_public_download_of_a_photo_has_no_exif_but_staff_get_the_original(app, client, staff_token, worker):
    original = photo_with_gps()
    assert _exif(original).get_ifd(GPS_IFD)  # the control: the uploaded photo does say where it was taken
    posted = _upload(client, staff_token, original, "reunion.jpg")
    worker.drain()
    public = client.get(f"/evidencias/{posted['id']}/descargar")
    assert public.status_code == 200
    exif = _exif(public.data)
    assert not exif.get_ifd(GPS_IFD) and ARTIST not in exif and len(exif) == 0
    with Image.open(io.BytesIO(public.data)) as img:
        assert img.size == (64, 32) and img.format == "JPEG"
    assert public.data != original
    # what the public gets is what the manifest, the API and the page name
    digest = hashlib.sha256(public.data).hexdigest()
    assert public.headers["ETag"].strip('"') == digest
    listed = {f["evidence_id"]: f for f in client.get("/manifiesto.json").get_json()["files"]}
    assert listed[posted["id"]]["sha256"] == digest and listed[posted["id"]]["size"] == len(public.data)
    assert client.get(f"/api/v1/evidence/{posted['id']}").get_json()["sha256"] == digest
    thumbnail = client.get(f"/evidencias/{posted['id']}/miniatura")
    assert thumbnail.status_code == 200 and len(_exif(thumbnail.data)) == 0  # the preview carries none either
    assert digest in client.get(f"/evidencias/{posted['id']}").get_data(as_text=True)

    staff = app.test_client()
    login(staff, "carga@jalisco.gob.mx")
    kept = staff.get(f"/evidencias/{posted['id']}/descargar")
    assert kept.data == original and hashlib.sha256(kept.data).hexdigest() == posted["sha256"]
    assert _exif(kept.data).get_ifd(GPS_IFD)
    assert "no-store" in kept.headers["Cache-Control"]  # no shared cache may hand staff's original to the public


def test_rotation_recorded_in_exif_is_applied_to_the_public_copy(client, staff_token):
    posted = _upload(client, staff_token, photo_with_gps(orientation=6), "girada.jpg")  # 6: rotate 90° clockwise
    public = client.get(f"/evidencias/{posted['id']}/descargar").data
    assert len(_exif(public)) == 0
    with Image.open(io.BytesIO(public)) as img:
        assert img.size == (32, 64)  # upright as the phone showed it
        assert img.convert("RGB").getpixel((16, 2))[0] > 150  # the red band is now on top


@pytest.mark.parametrize("fmt, name", [("PNG", "captura.png"), ("TIFF", "escaneo.tif"), ("WEBP", "foto.webp")])
def test_metadata_of_other_kinds_of_picture_is_removed_too(client, staff_token, fmt, name):
    original = photo_with_gps(fmt)
    assert _exif(original).get_ifd(GPS_IFD)
    posted = _upload(client, staff_token, original, name)
    public = client.get(f"/evidencias/{posted['id']}/descargar").data
    exif = _exif(public)
    assert not exif.get_ifd(GPS_IFD) and ARTIST not in exif
    with Image.open(io.BytesIO(public)) as img:
        assert img.format == fmt and img.size == (64, 32)


def test_a_photo_without_metadata_is_served_as_uploaded(client, staff_token):
    plain = io.BytesIO()
    Image.new("RGB", (20, 20), "green").save(plain, "PNG")
    posted = _upload(client, staff_token, plain.getvalue(), "plano.png")
    assert client.get(f"/evidencias/{posted['id']}/descargar").data == plain.getvalue()
