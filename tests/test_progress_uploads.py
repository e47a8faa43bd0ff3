"""Evidence files: size limit (413), type by content, generated names outside static/, scoped downloads."""

from __future__ import annotations

import io
import os

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, audit_rows, login
from tests.progress_helpers import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    full_payload,
    item_path,
    make_activity,
    office_bytes,
)
from tracker.extensions import db
from tracker.progress.models import Attachment


@pytest.fixture
def setup(make_agency, make_user, api_as):
    own = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    other = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    users = {"opd": make_user(role="agency", agency=own), "other": make_user(role="agency", agency=other),
             "bappeda": make_user(role="coordinator"), "viewer": make_user(role="viewer"),
             "company": make_user(role="company")}
    activity = make_activity(own)
    return {"activity": activity, "users": users, "api": {k: api_as(u) for k, u in users.items()}}


def upload(client, activity, data: bytes, name: str, quarter=2):
    return client.post(item_path(activity, quarter=quarter, suffix="/attachments"),
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("data,name,mime", [
    (PDF_BYTES, "SP2D triwulan II.pdf", "application/pdf"),
    (PNG_BYTES, "foto-penyaluran.png", "image/png"),
    (JPEG_BYTES, "foto.JPG", "image/jpeg"),
    (office_bytes("word"), "berita acara.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office_bytes("xl"), "bnba.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
], ids=["pdf", "png", "jpeg", "docx", "xlsx"])
def test_allowed_types_are_stored_under_generated_names(app, setup, data, name, mime):
    r = upload(setup["api"]["opd"], setup["activity"], data, name)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["original_name"] == name and body["content_type"] == mime and body["size"] == len(data)
    row = db.session.get(Attachment, body["id"])
    assert row.stored_name != name and name not in row.stored_name
    path = os.path.join(app.config["UPLOAD_FOLDER"], "progress", row.stored_name[:2], row.stored_name)
    assert os.path.isfile(path)
    assert not os.path.abspath(path).startswith(os.path.abspath(app.static_folder))
    with open(path, "rb") as fh:
        assert fh.read() == data
    # the first upload created the draft report; the file shows on the item
    item = setup["api"]["opd"].get(item_path(setup["activity"])).get_json()
    assert item["status"] == "draft" and [a["id"] for a in item["attachments"]] == [body["id"]]
    assert [r.action for r in audit_rows("progress_attachment")] == ["attach"]


@pytest.mark.parametrize("data,name", [
    (PNG_BYTES, "laporan.pdf"),  # PNG bytes under a PDF name
    (b"just some text, not a pdf at all\n" * 10, "laporan.pdf"),
    (b"MZ\x90\x00" + b"\x00" * 200, "setup.png"),
    (PDF_BYTES, "laporan.exe"),
    (b"PK\x03\x04" + b"\x00" * 100, "rusak.docx"),  # a broken zip
    (office_bytes("xl"), "bnba.docx"),  # a spreadsheet named as a document
    (b"<html><script>alert(1)</script></html>", "bukti.jpg"),
], ids=["png-as-pdf", "text-as-pdf", "exe-as-png", "pdf-as-exe", "broken-zip", "xlsx-as-docx", "html-as-jpg"])
def test_wrong_type_by_content_is_refused(app, setup, data, name):
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "progress")

    def files():
        return {f for _d, _s, names in os.walk(folder) for f in names} if os.path.isdir(folder) else set()

    before = files()
    r = upload(setup["api"]["opd"], setup["activity"], data, name)
    assert r.status_code == 422, r.get_json()
    assert "file" in r.get_json()["error"]["fields"]
    assert db.session.scalar(select(Attachment.id)) is None
    assert files() == before  # nothing kept, not even a temporary file


def test_empty_and_missing_file(setup):
    assert upload(setup["api"]["opd"], setup["activity"], b"", "kosong.pdf").status_code == 422
    r = setup["api"]["opd"].post(item_path(setup["activity"], suffix="/attachments"), data={},
                                 content_type="multipart/form-data")
    assert r.status_code == 422


def test_oversize_is_413(make_app, setup):
    small = make_app(MAX_CONTENT_LENGTH=64 * 1024)
    client = small.test_client()
    token = client.post("/api/v1/tokens", json={"username": setup["users"]["opd"].username,
                                                "password": PASSWORD}).get_json()["token"]
    big = PDF_BYTES + b"0" * (80 * 1024)
    r = client.post(item_path(setup["activity"], suffix="/attachments"), data={"file": (io.BytesIO(big), "besar.pdf")},
                    content_type="multipart/form-data", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 413
    assert r.get_json()["error"]["code"] == "payload_too_large"
    ok = client.post(item_path(setup["activity"], suffix="/attachments"),
                     data={"file": (io.BytesIO(PDF_BYTES), "kecil.pdf")},
                     content_type="multipart/form-data", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 201
    # the page upload says the same
    page = small.test_client()
    login(page, setup["users"]["opd"])
    r = page.post(f"/progress/2025/2/activity/{setup['activity'].id}/attachments",
                  data={"file": (io.BytesIO(big), "besar.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 413


def test_downloads_are_scoped(setup):
    api = setup["api"]
    body = upload(api["opd"], setup["activity"], PDF_BYTES, "SP2D.pdf").get_json()
    url = f"/api/v1/attachments/{body['id']}"
    r = api["opd"].get(url)
    assert r.status_code == 200 and r.data == PDF_BYTES
    assert r.headers["Content-Disposition"].startswith("attachment")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.mimetype == "application/pdf"
    assert api["bappeda"].get(url).status_code == 200
    assert api["viewer"].get(url).status_code == 200
    assert api["other"].get(url).status_code == 404
    assert api["company"].get(url).status_code == 403
    assert api["opd"].get("/api/v1/attachments/999999").status_code == 404
    assert body["download_url"] == url


def test_page_download_is_scoped(app, setup, make_user):
    body = upload(setup["api"]["opd"], setup["activity"], PNG_BYTES, "foto.png").get_json()
    own, other = app.test_client(), app.test_client()
    login(own, setup["users"]["opd"])
    login(other, setup["users"]["other"])
    r = own.get(f"/progress/attachments/{body['id']}")
    assert r.status_code == 200 and r.data == PNG_BYTES and "attachment" in r.headers["Content-Disposition"]
    assert other.get(f"/progress/attachments/{body['id']}").status_code == 404


def test_delete_only_while_editable(app, setup):
    api, activity = setup["api"], setup["activity"]
    body = upload(api["opd"], activity, PDF_BYTES, "a.pdf").get_json()
    row = db.session.get(Attachment, body["id"])
    path = os.path.join(app.config["UPLOAD_FOLDER"], "progress", row.stored_name[:2], row.stored_name)
    assert api["other"].delete(f"/api/v1/attachments/{body['id']}").status_code == 404
    assert api["viewer"].delete(f"/api/v1/attachments/{body['id']}").status_code == 403
    assert api["opd"].delete(f"/api/v1/attachments/{body['id']}").status_code == 204
    assert not os.path.exists(path)
    assert [r.action for r in audit_rows("progress_attachment")] == ["attach", "detach"]
    second = upload(api["opd"], activity, PDF_BYTES, "b.pdf").get_json()
    version = api["opd"].get(item_path(activity)).get_json()["version"]
    api["opd"].put(item_path(activity), json=full_payload(activity, version=version))
    assert api["opd"].post(item_path(activity, suffix="/submit")).status_code == 200
    assert api["opd"].delete(f"/api/v1/attachments/{second['id']}").status_code == 409
    assert upload(api["opd"], activity, PDF_BYTES, "c.pdf").status_code == 409
    assert api["other"].post(item_path(activity, suffix="/attachments"),
                             data={"file": (io.BytesIO(PDF_BYTES), "x.pdf")},
                             content_type="multipart/form-data").status_code == 404


def test_path_in_name_is_stripped(setup):
    r = upload(setup["api"]["opd"], setup["activity"], PDF_BYTES, "../../etc/passwd.pdf")
    assert r.status_code == 201 and r.get_json()["original_name"] == "passwd.pdf"


@pytest.mark.parametrize("surface", ["page", "api"])
def test_a_failed_commit_leaves_no_stored_file(app, setup, client_as, monkeypatch, surface):
    """The file is written before the row is committed; when the commit fails, both are gone."""
    from sqlalchemy.exc import OperationalError

    activity = setup["activity"]
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "progress")
    before = {f for _root, _dirs, names in os.walk(folder) for f in names}
    web = client_as(setup["users"]["opd"]) if surface == "page" else None

    real_commit = db.session.commit
    stored_files = lambda: {f for _root, _dirs, names in os.walk(folder) for f in names}  # noqa: E731

    def failing_commit():
        # Only the commit that would keep a freshly stored file fails (sign-in and others go through).
        if stored_files() - before:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        return real_commit()

    monkeypatch.setattr(db.session, "commit", failing_commit)
    if surface == "page":
        response = web.post(f"/progress/2025/2/activity/{activity.id}/attachments",
                            data={"file": (io.BytesIO(PDF_BYTES), "sp2d.pdf")}, content_type="multipart/form-data")
    else:
        response = upload(setup["api"]["opd"], activity, PDF_BYTES, "sp2d.pdf")
    monkeypatch.undo()
    assert response.status_code == 500  # the database failed, not the user: logged, no trace shown
    assert stored_files() == before
    assert db.session.scalar(select(Attachment.id).limit(1)) is None
