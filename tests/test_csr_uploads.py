"""CSR evidence files (tracker.csr.uploads): company scope, editable states only, at most 20 files,
type by content, one event and one audit row per change, files gone when their row is."""

from __future__ import annotations

import io
import os
from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from tests.conftest import audit_rows
from tests.progress_helpers import PDF_BYTES, PNG_BYTES
from tracker import files
from tracker.csr import services, uploads
from tracker.csr.models import CsrAttachment, CsrEvent
from tracker.errors import Conflict, Forbidden, NotFound, ValidationFailed
from tracker.extensions import db

YEAR = 2025
TODAY = date(2025, 12, 31)


@pytest.fixture
def world(make_company, make_user, kabupaten):
    own, other = make_company(name="PT Agro Mentaya Lestari"), make_company(name="PT Sampit Sawit Makmur")
    users = {"company": make_user(role="company", company=own), "other": make_user(role="company", company=other),
             "bappeda": make_user(role="coordinator"), "admin": make_user(role="admin"),
             "viewer": make_user(role="viewer"), "opd": make_user(role="agency")}
    commitment = services.create_commitment({
        "company_id": own.id, "year": YEAR, "title": "Air bersih desa", "description": "", "strategy": "S3",
        "amount": 500_000_000, "region_ids": [kabupaten["kecamatan"][0].id]}, users["company"])
    contribution = services.create_contribution(commitment, {
        "date": "2025-03-10", "kind": "cash", "amount": 100_000_000, "beneficiaries": 120,
        "beneficiary_unit": "KK"}, users["company"], today=TODAY)
    db.session.commit()
    return {"users": users, "commitment": commitment, "contribution": contribution, "own": own, "other": other}


def fs(data: bytes = PDF_BYTES, name: str = "kuitansi.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def stored_path(app, stored_name: str) -> str:
    return os.path.join(app.config["UPLOAD_FOLDER"], "csr", stored_name[:2], stored_name)


def contribution(world):
    return services.get_contribution(world["contribution"].id, "csr.edit", world["users"]["company"])


def test_add_stores_the_file_records_event_and_audit(app, world):
    user = world["users"]["company"]
    attachment = uploads.add_attachment(contribution(world), fs(), user)
    files.commit_or_remove(uploads.AREA, attachment.stored_name)
    assert attachment.original_name == "kuitansi.pdf" and attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF_BYTES) and attachment.uploaded_by_id == user.id
    assert attachment.stored_name.endswith(".pdf") and attachment.stored_name != "kuitansi.pdf"
    with open(stored_path(app, attachment.stored_name), "rb") as fh:
        assert fh.read() == PDF_BYTES
    events = db.session.scalars(select(CsrEvent).where(CsrEvent.action == "attach")).all()
    assert [(e.comment, e.from_status, e.to_status, e.user_id) for e in events] == [
        ("kuitansi.pdf", "draft", "draft", user.id)]
    [row] = audit_rows("csr_attachment")
    assert row.action == "attach" and row.company_id == world["own"].id and row.after["sha256"] == attachment.sha256
    loaded = services.get_contribution(world["contribution"].id, "csr.view", user)
    assert [a.id for a in loaded.attachments] == [attachment.id]


def test_coordinator_may_attach_but_not_viewer_or_opd(world):
    uploads.add_attachment(contribution(world), fs(), world["users"]["bappeda"])
    db.session.commit()
    for role in ("viewer", "opd"):
        with pytest.raises(Forbidden):
            uploads.add_attachment(contribution(world), fs(), world["users"][role])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CsrAttachment)) == 1


def test_another_company_gets_404_everywhere(app, world):
    attachment = uploads.add_attachment(contribution(world), fs(), world["users"]["company"])
    db.session.commit()
    other = world["users"]["other"]
    with pytest.raises(NotFound):
        uploads.add_attachment(contribution(world), fs(), other)
    with pytest.raises(NotFound):
        uploads.load_attachment(attachment.id, "csr.view", other)
    with pytest.raises(NotFound):
        uploads.delete_attachment(attachment.id, other)
    with pytest.raises(NotFound):
        uploads.load_attachment(attachment.id + 1000, "csr.view", world["users"]["bappeda"])
    # readers of every company see it; a viewer may download, not delete
    for role in ("bappeda", "viewer", "opd", "company"):
        found, owner = uploads.load_attachment(attachment.id, "csr.view", world["users"][role])
        assert found.id == attachment.id and owner.id == world["contribution"].id
    with pytest.raises(Forbidden):
        uploads.delete_attachment(attachment.id, world["users"]["viewer"])
    assert os.path.isfile(stored_path(app, attachment.stored_name))


def test_send_attachment_is_a_download(app, world):
    attachment = uploads.add_attachment(contribution(world), fs(PNG_BYTES, "foto penyerahan.png"),
                                        world["users"]["company"])
    db.session.commit()
    with app.test_request_context():
        response = uploads.send_attachment(attachment)
        response.direct_passthrough = False
        assert response.mimetype == "image/png"
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.get_data() == PNG_BYTES
        response.close()


@pytest.mark.parametrize("action", ["submit", "verify"])
def test_only_draft_or_returned_accepts_changes(world, action):
    user, bappeda = world["users"]["company"], world["users"]["bappeda"]
    kept = uploads.add_attachment(contribution(world), fs(), user)
    db.session.commit()
    services.transition(contribution(world), "submit", user)
    if action == "verify":
        services.transition(contribution(world), "verify", bappeda)
    db.session.commit()
    with pytest.raises(Conflict):
        uploads.add_attachment(contribution(world), fs(), user)
    with pytest.raises(Conflict):
        uploads.delete_attachment(kept.id, user)
    with pytest.raises(Conflict):
        uploads.delete_attachment(kept.id, bappeda)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CsrAttachment)) == 1


def test_returned_contribution_takes_files_again(world):
    user, bappeda = world["users"]["company"], world["users"]["bappeda"]
    services.transition(contribution(world), "submit", user)
    services.transition(contribution(world), "return", bappeda, "Lampirkan berita acara serah terima.")
    db.session.commit()
    attachment = uploads.add_attachment(contribution(world), fs(name="berita acara.pdf"), user)
    db.session.commit()
    assert attachment.id


def test_at_most_twenty_files(app, world):
    user = world["users"]["company"]
    for n in range(uploads.MAX_FILES_PER_CONTRIBUTION):
        uploads.add_attachment(contribution(world), fs(name=f"bukti-{n}.pdf"), user)
    db.session.commit()
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "csr")
    before = {f for _d, _s, names in os.walk(folder) for f in names}
    with pytest.raises(ValidationFailed) as err:
        uploads.add_attachment(contribution(world), fs(name="satu lagi.pdf"), user)
    assert "file" in err.value.fields
    assert {f for _d, _s, names in os.walk(folder) for f in names} == before


@pytest.mark.parametrize("data,name", [(PNG_BYTES, "kuitansi.pdf"), (b"bukan pdf\n" * 20, "kuitansi.pdf"),
                                       (b"", "kosong.pdf")], ids=["png-as-pdf", "text", "empty"])
def test_wrong_or_empty_file_is_refused_and_nothing_kept(app, world, data, name):
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "csr")
    before = {f for _d, _s, names in os.walk(folder) for f in names} if os.path.isdir(folder) else set()
    with pytest.raises(ValidationFailed) as err:
        uploads.add_attachment(contribution(world), fs(data, name), world["users"]["company"])
    assert "file" in err.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CsrAttachment)) == 0
    assert db.session.scalar(select(func.count()).select_from(CsrEvent).where(CsrEvent.action == "attach")) == 0
    after = {f for _d, _s, names in os.walk(folder) for f in names} if os.path.isdir(folder) else set()
    assert after == before


def test_failed_flush_removes_the_stored_file(app, world, monkeypatch):
    folder = os.path.join(app.config["UPLOAD_FOLDER"], "csr")
    before = {f for _d, _s, names in os.walk(folder) for f in names} if os.path.isdir(folder) else set()

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(uploads.audit, "record", broken)
    with pytest.raises(RuntimeError):
        uploads.add_attachment(contribution(world), fs(), world["users"]["company"])
    db.session.rollback()
    after = {f for _d, _s, names in os.walk(folder) for f in names} if os.path.isdir(folder) else set()
    assert after == before


def test_delete_removes_row_event_audit_and_then_the_file(app, world):
    user = world["users"]["company"]
    attachment = uploads.add_attachment(contribution(world), fs(), user)
    db.session.commit()
    attachment_id, path = attachment.id, stored_path(app, attachment.stored_name)
    stored = uploads.delete_attachment(attachment_id, user)
    db.session.commit()
    assert os.path.isfile(path)  # the caller removes it after the commit
    uploads.remove_file(stored)
    uploads.remove_file(stored)  # already gone: fine
    assert not os.path.exists(path)
    assert db.session.get(CsrAttachment, attachment_id) is None
    assert [r.action for r in audit_rows("csr_attachment")] == ["attach", "detach"]
    assert audit_rows("csr_attachment")[1].before["name"] == "kuitansi.pdf"
    actions = db.session.scalars(select(CsrEvent.action).where(
        CsrEvent.contribution_id == world["contribution"].id).order_by(CsrEvent.id)).all()
    assert actions == ["create", "attach", "detach"]
    with pytest.raises(NotFound):
        uploads.delete_attachment(attachment_id, user)


def test_deleting_a_draft_contribution_hands_back_its_files(app, world):
    user = world["users"]["company"]
    attachment = uploads.add_attachment(contribution(world), fs(), user)
    db.session.commit()
    stored = services.delete_contribution(contribution(world), user)
    db.session.commit()
    assert stored == [attachment.stored_name]
    for name in stored:
        uploads.remove_file(name)
    assert not os.path.exists(stored_path(app, attachment.stored_name))
    assert db.session.scalar(select(func.count()).select_from(CsrAttachment)) == 0
