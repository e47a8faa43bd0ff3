"""The CSR pages as a company's officer, Bappeda, OPD staff and viewers use them: the company page,
commitment and contribution forms, evidence, submit / return / verify, the queue with bulk verify,
the summary, the panel on an OPD activity's page; scoping, validation messages, stale versions."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.progress_helpers import PDF_BYTES, make_activity
from tracker.csr import services
from tracker.csr.models import CsrAttachment, CsrCommitment, CsrContribution, CsrRevision
from tracker.extensions import db
from tracker.types import jakarta_now

TODAY = jakarta_now().date()
YEAR = TODAY.year
FIRST = f"{YEAR}-01-01"  # in the commitment's year and never after today


@pytest.fixture
def world(app, make_company, make_user, make_agency, kabupaten, client_as):
    own = make_company(name="PT Agro Mentaya Lestari", sector="Perkebunan")
    other = make_company(name="PT Sampit Sawit Makmur", sector="Pertambangan")
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    users = {"officer": make_user(role="company", company=own), "other": make_user(role="company", company=other),
             "bappeda": make_user(role="coordinator"), "admin": make_user(role="admin"),
             "viewer": make_user(role="viewer"), "opd": make_user(role="agency", agency=dinsos)}
    activity = make_activity(dinsos, year=YEAR, name="Bantuan air bersih keluarga miskin")
    return {"own": own, "other": other, "users": users, "activity": activity, "regions": kabupaten,
            "web": {name: client_as(user) for name, user in users.items()}}


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:300])
    return response.get_data(as_text=True)


def text_of(html: str) -> str:
    """The page's visible text, tags stripped and spaces collapsed (for phrases split by markup)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def make_commitment(world, company=None, amount=500_000_000, year=YEAR, title="Air bersih desa", region=None,
                    activity_id=None, strategy="S3"):
    company = company or world["own"]
    region = region or world["regions"]["desa"][0]
    commitment = services.create_commitment({
        "company_id": company.id, "year": year, "title": title, "description": "Sumur bor dan tandon",
        "strategy": strategy, "amount": amount, "region_ids": [region.id], "activity_id": activity_id},
        world["users"]["admin"])
    db.session.commit()
    return commitment


def make_contribution(world, commitment, amount=100_000_000, status="draft", kind="cash", description=""):
    admin = world["users"]["admin"]
    contribution = services.create_contribution(commitment, {
        "date": FIRST, "kind": kind, "amount": amount, "description": description, "beneficiaries": 120,
        "beneficiary_unit": "KK"}, admin)
    if status in ("submitted", "verified", "returned"):
        services.transition(contribution, "submit", admin)
    if status == "verified":
        services.transition(contribution, "verify", admin)
    if status == "returned":
        services.transition(contribution, "return", admin, "Lampirkan berita acara")
    db.session.commit()
    return contribution


def contribution_data(**overrides) -> dict:
    data = {"date": FIRST, "kind": "cash", "amount": "100.000.000", "description": "Pembangunan sumur bor",
            "beneficiaries": "120", "beneficiary_unit": "KK", "version": ""}
    data.update(overrides)
    return data


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


# ---- the officer's whole journey --------------------------------------------------------------------

def test_officer_journey_from_commitment_to_verified(world):
    web, bappeda = world["web"]["officer"], world["web"]["bappeda"]
    own, desa = world["own"], world["regions"]["desa"][1]

    # signing in leads to the company's own page
    r = web.get("/")
    assert r.status_code == 303 and r.headers["Location"].endswith("/csr/")
    r = web.get("/csr/")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/csr/companies/{own.id}")
    text = page(web, f"/csr/companies/{own.id}")
    assert own.name in text and f"Belum ada komitmen CSR untuk tahun {YEAR}" in text and "Tambah komitmen" in text

    # a commitment, with a desa and the OPD activity it supports
    form = page(web, f"/csr/companies/{own.id}/commitments/new?year={YEAR}")
    assert "Tinduk" in form and "Bantuan air bersih keluarga miskin" in form
    r = web.post(f"/csr/companies/{own.id}/commitments/new", data={
        "year": str(YEAR), "title": "Air bersih untuk desa", "description": "Sumur bor dan tandon air",
        "strategy": "S3", "region_ids": [str(desa.id)], "amount": "Rp 500.000.000",
        "activity_id": str(world["activity"].id)})
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    commitment = db.session.scalar(select(CsrCommitment))
    assert (commitment.company_id, commitment.amount, commitment.activity_id) == (own.id, 500_000_000,
                                                                                  world["activity"].id)
    assert r.headers["Location"].endswith(f"/csr/commitments/{commitment.id}")

    # a contribution, with evidence, then submitted
    r = web.post(f"/csr/commitments/{commitment.id}/contributions/new", data=contribution_data())
    assert r.status_code == 303
    contribution = db.session.scalar(select(CsrContribution))
    assert (contribution.amount, contribution.beneficiaries, contribution.status) == (100_000_000, 120, "draft")
    r = web.post(f"/csr/contributions/{contribution.id}/attachments",
                 data={"file": (io.BytesIO(PDF_BYTES), "berita-acara.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 303
    text = page(web, f"/csr/contributions/{contribution.id}")
    assert "berita-acara.pdf" in text and "Ajukan ke Bappeda" in text and "Draf" in text
    r = web.post(f"/csr/contributions/{contribution.id}/submit", data={"version": str(fresh(
        CsrContribution, contribution.id).version)})
    assert r.status_code == 303 and fresh(CsrContribution, contribution.id).status == "submitted"
    text = page(web, f"/csr/contributions/{contribution.id}")
    assert "Kontribusi diajukan ke Bappeda" in text and "menunggu verifikasi Bappeda" in text
    assert ">Simpan<" not in text and "Unggah" not in text

    # the company page shows the figures: committed, pending, the desa with its kecamatan
    text = text_of(page(web, f"/csr/companies/{own.id}"))
    assert "Air bersih untuk desa" in text and "Tinduk, Kec. Baamang" in text and "Rp 500.000.000" in text
    assert "Menunggu verifikasi Rp 100.000.000" in text and "Dinsos" in text and "berita-acara.pdf" in text

    # Bappeda returns it with a comment
    queue = page(bappeda, "/csr/review")
    assert own.name in queue and "Air bersih untuk desa" in queue and "berita-acara.pdf" in queue
    r = bappeda.post("/csr/review", data={"row_action": f"return|{contribution.id}",
                                          f"comment-{contribution.id}": "Foto serah terima belum ada"})
    assert r.status_code == 303 and fresh(CsrContribution, contribution.id).status == "returned"

    # the officer sees the comment, fixes and resubmits
    text = page(web, f"/csr/companies/{own.id}")
    assert "Dikembalikan oleh Bappeda" in text and "Foto serah terima belum ada" in text
    text = page(web, f"/csr/contributions/{contribution.id}")
    assert "Foto serah terima belum ada" in text and ">Simpan<" in text
    version = fresh(CsrContribution, contribution.id).version
    r = web.post(f"/csr/contributions/{contribution.id}", data=contribution_data(
        amount="120.000.000", version=str(version), and_submit="1"))
    assert r.status_code == 303
    saved = fresh(CsrContribution, contribution.id)
    assert (saved.amount, saved.status) == (120_000_000, "submitted")

    # Bappeda verifies on the contribution's own page
    text = page(bappeda, f"/csr/contributions/{contribution.id}")
    assert "Verifikasi Bappeda" in text
    r = bappeda.post(f"/csr/contributions/{contribution.id}/verify", data={"version": str(saved.version),
                                                                           "comment": "Lengkap"})
    assert r.status_code == 303 and fresh(CsrContribution, contribution.id).status == "verified"

    # now read-only for the company: no form buttons, a save is refused and changes nothing
    text = page(web, f"/csr/contributions/{contribution.id}")
    assert "Terverifikasi" in text and "sudah diverifikasi Bappeda" in text and ">Simpan<" not in text
    assert "Hapus" not in text
    verified = fresh(CsrContribution, contribution.id)
    r = web.post(f"/csr/contributions/{contribution.id}", data=contribution_data(
        amount="1.000", version=str(verified.version)))
    assert r.status_code == 409 and "tidak dapat diubah" in r.get_data(as_text=True)
    assert fresh(CsrContribution, contribution.id).amount == 120_000_000
    web.post(f"/csr/contributions/{contribution.id}/attachments",
             data={"file": (io.BytesIO(PDF_BYTES), "lagi.pdf")}, content_type="multipart/form-data")
    assert db.session.scalar(select(func.count()).select_from(CsrAttachment)) == 1
    text = text_of(page(web, f"/csr/companies/{own.id}"))
    assert "Terverifikasi Rp 120.000.000" in text and "Capaian terverifikasi 24,0 %" in text

    # the history lists every step
    history = page(web, f"/csr/contributions/{contribution.id}")
    for step in ("Dibuat", "Berkas ditambahkan", "Diajukan", "Dikembalikan", "Diverifikasi"):
        assert step in history


def test_previous_years_stay_readable(world):
    make_commitment(world, year=YEAR - 1, title="Beasiswa tahun lalu")
    make_commitment(world, title="Program tahun ini")
    web = world["web"]["officer"]
    text = page(web, f"/csr/companies/{world['own'].id}")
    assert "Program tahun ini" in text and "Beasiswa tahun lalu" not in text
    assert f'<option value="{YEAR - 1}"' in text
    text = page(web, f"/csr/companies/{world['own'].id}?year={YEAR - 1}")
    assert "Beasiswa tahun lalu" in text and "Program tahun ini" not in text


def test_draft_can_be_deleted_with_its_files(world):
    commitment = make_commitment(world)
    contribution = make_contribution(world, commitment)
    web = world["web"]["officer"]
    web.post(f"/csr/contributions/{contribution.id}/attachments",
             data={"file": (io.BytesIO(PDF_BYTES), "foto.pdf")}, content_type="multipart/form-data")
    [attachment] = db.session.scalars(select(CsrAttachment)).all()
    text = page(web, f"/csr/contributions/{contribution.id}")
    assert "Hapus draf" in text
    r = web.post(f"/csr/attachments/{attachment.id}/delete")
    assert r.status_code == 303 and db.session.scalar(select(func.count()).select_from(CsrAttachment)) == 0
    r = web.post(f"/csr/contributions/{contribution.id}/delete")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/csr/commitments/{commitment.id}")
    assert db.session.scalar(select(func.count()).select_from(CsrContribution)) == 0


# ---- scoping ----------------------------------------------------------------------------------------

def test_another_company_gets_404_on_every_id_route(world):
    commitment = make_commitment(world)
    contribution = make_contribution(world, commitment, status="submitted")
    attachment = CsrAttachment(contribution_id=contribution.id, original_name="x.pdf", stored_name="ab12.pdf",
                               content_type="application/pdf", size=1, sha256="0" * 64)
    db.session.add(attachment)
    db.session.commit()
    web, own = world["web"]["other"], world["own"]
    for url in (f"/csr/companies/{own.id}", f"/csr/companies/{own.id}?year={YEAR}",
                f"/csr/companies/{own.id}/commitments/new", f"/csr/commitments/{commitment.id}",
                f"/csr/commitments/{commitment.id}/edit", f"/csr/commitments/{commitment.id}/contributions/new",
                f"/csr/contributions/{contribution.id}", f"/csr/attachments/{attachment.id}",
                f"/csr/summary?company_id={own.id}"):
        assert web.get(url).status_code == 404, url
    for url, data in ((f"/csr/companies/{own.id}/commitments/new", {"title": "x"}),
                      (f"/csr/commitments/{commitment.id}/edit", {"title": "x"}),
                      (f"/csr/commitments/{commitment.id}/contributions/new", contribution_data()),
                      (f"/csr/contributions/{contribution.id}", contribution_data()),
                      (f"/csr/contributions/{contribution.id}/submit", {}),
                      (f"/csr/contributions/{contribution.id}/delete", {}),
                      (f"/csr/contributions/{contribution.id}/attachments", {}),
                      (f"/csr/attachments/{attachment.id}/delete", {})):
        assert web.post(url, data=data).status_code == 404, url
    assert web.get("/csr/review").status_code == 403
    assert web.post(f"/csr/contributions/{contribution.id}/verify").status_code == 403
    # their own summary is theirs only
    text = page(web, "/csr/summary")
    assert own.name not in text and "Air bersih desa" not in text
    assert fresh(CsrCommitment, commitment.id).title == "Air bersih desa"
    assert fresh(CsrContribution, contribution.id).status == "submitted"


@pytest.mark.parametrize("role", ["opd", "viewer"])
def test_agency_and_viewer_read_but_change_nothing(world, role):
    commitment = make_commitment(world)
    draft = make_contribution(world, commitment)
    submitted = make_contribution(world, commitment, status="submitted")
    web, own = world["web"][role], world["own"]
    text = page(web, f"/csr/companies/{own.id}")
    assert "Air bersih desa" in text and own.name in text
    for button in ("Tambah komitmen", "Catat kontribusi", "Ubah komitmen"):
        assert button not in text
    text = page(web, f"/csr/contributions/{draft.id}")
    assert ">Simpan<" not in text and "Ajukan ke Bappeda" not in text and "Unggah" not in text
    assert "Verifikasi Bappeda" not in page(web, f"/csr/contributions/{submitted.id}")
    assert "Air bersih desa" in page(web, f"/csr/commitments/{commitment.id}")
    summary = page(web, "/csr/summary")
    assert own.name in summary and "Antrean verifikasi" not in summary
    for url, data in ((f"/csr/companies/{own.id}/commitments/new", {"title": "x"}),
                      (f"/csr/commitments/{commitment.id}/edit", {"title": "x"}),
                      (f"/csr/commitments/{commitment.id}/contributions/new", contribution_data()),
                      (f"/csr/contributions/{draft.id}", contribution_data()),
                      (f"/csr/contributions/{draft.id}/submit", {}),
                      (f"/csr/contributions/{submitted.id}/verify", {}),
                      (f"/csr/contributions/{submitted.id}/return", {"comment": "x"}),
                      (f"/csr/contributions/{draft.id}/delete", {}),
                      (f"/csr/contributions/{draft.id}/attachments", {}),
                      ("/csr/review", {"bulk_action": "verify", "sel": [str(submitted.id)]})):
        assert web.post(url, data=data).status_code == 403, url
    assert web.get(f"/csr/commitments/{commitment.id}/edit").status_code == 403
    assert web.get("/csr/review").status_code == 403
    assert fresh(CsrContribution, submitted.id).status == "submitted"


def test_nav_menu_per_role(world):
    make_commitment(world)
    officer = page(world["web"]["officer"], f"/csr/companies/{world['own'].id}")
    assert 'href="/csr/"' in officer and "Ringkasan CSR" not in officer
    bappeda = page(world["web"]["bappeda"], "/csr/summary")
    assert "Antrean verifikasi CSR" in bappeda and 'href="/reference/companies"' in bappeda
    opd = page(world["web"]["opd"], "/csr/summary")
    assert "Ringkasan CSR" in opd and "Antrean verifikasi CSR" not in opd
    admin = page(world["web"]["admin"], "/csr/summary")
    assert "/admin/users/?role=company" in admin


# ---- validation messages ----------------------------------------------------------------------------

def test_contribution_form_messages(world):
    commitment = make_commitment(world)
    web = world["web"]["officer"]
    url = f"/csr/commitments/{commitment.id}/contributions/new"
    cases = [
        ({"date": f"{YEAR - 1}-12-31"}, f"Tanggal kontribusi harus dalam tahun komitmen ({YEAR})"),
        ({"kind": "in_kind", "description": ""}, "Kontribusi natura wajib diberi uraian"),
        ({"amount": "0"}, "Nilai kontribusi harus bilangan bulat Rupiah lebih dari 0"),
        ({"amount": "seratus juta"}, "Harus berupa angka"),
        ({"amount": "1.000,5"}, "Harus bilangan bulat"),
        ({"date": "31/12/2025"}, "Tanggal tidak valid"),
        ({"beneficiaries": "-3"}, "Jumlah penerima manfaat harus bilangan bulat"),
        ({"beneficiary_unit": "orang"}, "Satuan penerima manfaat"),
    ]
    for overrides, message in cases:
        r = web.post(url, data=contribution_data(**overrides))
        assert r.status_code == 422, overrides
        text = r.get_data(as_text=True)
        assert message in text, (overrides, text_of(text)[:1500])
        assert "is-invalid" in text
    assert db.session.scalar(select(func.count()).select_from(CsrContribution)) == 0


def test_future_date_is_refused(world):
    commitment = make_commitment(world, year=YEAR + 1, title="Program tahun depan")
    r = world["web"]["officer"].post(f"/csr/commitments/{commitment.id}/contributions/new",
                                     data=contribution_data(date=f"{YEAR + 1}-01-01"))
    assert r.status_code == 422 and "Tanggal kontribusi tidak boleh setelah hari ini" in r.get_data(as_text=True)
    tomorrow = TODAY + timedelta(days=1)
    if tomorrow.year == YEAR:
        commitment = make_commitment(world, title="Program tahun ini")
        r = world["web"]["officer"].post(f"/csr/commitments/{commitment.id}/contributions/new",
                                         data=contribution_data(date=tomorrow.isoformat()))
        assert r.status_code == 422 and "tidak boleh setelah hari ini" in r.get_data(as_text=True)


def test_commitment_form_messages(world):
    web, own = world["web"]["officer"], world["own"]
    url = f"/csr/companies/{own.id}/commitments/new"
    r = web.post(url, data={"year": str(YEAR), "title": "", "strategy": "", "amount": "0"})
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    for message in ("Wajib diisi.", "Pilih strategi S1, S2 atau S3.", "Pilih minimal satu lokasi",
                    "Nilai komitmen harus bilangan bulat Rupiah lebih dari 0"):
        assert message in text, message
    other_year = make_activity(world["activity"].agency_id, year=YEAR - 1)
    r = web.post(url, data={"year": str(YEAR), "title": "Beasiswa", "strategy": "S2", "amount": "10.000.000",
                            "region_ids": [str(world["regions"]["kecamatan"][0].id)],
                            "activity_id": str(other_year.id)})
    assert r.status_code == 422 and f"harus kegiatan tahun {YEAR}" in r.get_data(as_text=True)
    r = web.post(url, data={"year": "1800", "title": "Beasiswa", "strategy": "S2", "amount": "10.000.000",
                            "region_ids": [str(world["regions"]["kecamatan"][0].id)]})
    assert r.status_code == 422 and "Tahun harus antara" in r.get_data(as_text=True)
    r = web.post(url, data={"year": str(YEAR), "title": "Beasiswa", "strategy": "S2", "amount": "10.000.000",
                            "region_ids": ["999999"]})
    assert r.status_code == 422 and "Wilayah tidak ditemukan" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CsrCommitment)) == 0


def test_changing_an_amount_with_verified_contributions_is_a_revision(world):
    commitment = make_commitment(world)
    make_contribution(world, commitment, status="verified")
    web = world["web"]["officer"]
    form = page(web, f"/csr/commitments/{commitment.id}/edit")
    assert "500.000.000" in form and "Alasan perubahan nilai" in form
    data = {"title": "Air bersih desa", "description": "", "strategy": "S3", "amount": "600.000.000",
            "region_ids": [str(world["regions"]["desa"][0].id)], "activity_id": "",
            "version": str(commitment.version)}
    r = web.post(f"/csr/commitments/{commitment.id}/edit", data=data)
    assert r.status_code == 422 and "Wajib diisi saat nilai komitmen diubah" in r.get_data(as_text=True)
    r = web.post(f"/csr/commitments/{commitment.id}/edit", data={**data, "revision_reason": "Tambahan anggaran"})
    assert r.status_code == 303
    [revision] = db.session.scalars(select(CsrRevision)).all()
    assert (revision.old_amount, revision.new_amount) == (500_000_000, 600_000_000)
    text = page(web, f"/csr/commitments/{commitment.id}")
    assert "Riwayat perubahan nilai komitmen" in text and "Tambahan anggaran" in text


# ---- stale versions -----------------------------------------------------------------------------------

def test_stale_contribution_is_409_and_nothing_is_overwritten(world):
    commitment = make_commitment(world)
    contribution = make_contribution(world, commitment)
    web, bappeda = world["web"]["officer"], world["web"]["bappeda"]
    old = str(contribution.version)
    r = bappeda.post(f"/csr/contributions/{contribution.id}", data=contribution_data(amount="150.000.000",
                                                                                    version=old))
    assert r.status_code == 303
    r = web.post(f"/csr/contributions/{contribution.id}", data=contribution_data(amount="90.000.000", version=old))
    assert r.status_code == 409
    text = r.get_data(as_text=True)
    assert "telah diubah oleh pengguna lain" in text and "90.000.000" in text  # the user's input is kept
    assert fresh(CsrContribution, contribution.id).amount == 150_000_000
    r = web.post(f"/csr/contributions/{contribution.id}", data=contribution_data(amount="90.000.000", version=""))
    assert r.status_code == 409 and fresh(CsrContribution, contribution.id).amount == 150_000_000
    # a stale submit is refused too
    r = web.post(f"/csr/contributions/{contribution.id}/submit", data={"version": old})
    assert r.status_code == 303 and fresh(CsrContribution, contribution.id).status == "draft"
    assert "baru saja diubah oleh pengguna lain" in page(web, f"/csr/contributions/{contribution.id}")


def test_stale_commitment_is_409(world):
    commitment = make_commitment(world)
    web = world["web"]["officer"]
    data = {"title": "Judul baru", "description": "", "strategy": "S3", "amount": "500.000.000",
            "region_ids": [str(world["regions"]["desa"][0].id)], "activity_id": "",
            "version": str(commitment.version)}
    assert web.post(f"/csr/commitments/{commitment.id}/edit", data=data).status_code == 303
    r = web.post(f"/csr/commitments/{commitment.id}/edit", data={**data, "title": "Judul lain"})
    assert r.status_code == 409 and "telah diubah oleh pengguna lain" in r.get_data(as_text=True)
    assert fresh(CsrCommitment, commitment.id).title == "Judul baru"


# ---- Bappeda's queue and summary ------------------------------------------------------------------

def test_queue_oldest_first_filter_and_bulk_verify(world):
    mine = make_commitment(world)
    theirs = make_commitment(world, company=world["other"], title="Jalan desa")
    first = make_contribution(world, mine, amount=10_000_000, status="submitted")
    second = make_contribution(world, theirs, amount=20_000_000, status="submitted")
    third = make_contribution(world, mine, amount=30_000_000, status="submitted")
    draft = make_contribution(world, mine, amount=40_000_000)
    bappeda = world["web"]["bappeda"]
    text = page(bappeda, "/csr/review")
    positions = [text.index(f'value="{c.id}" id="sel-{c.id}"') for c in (first, second, third)]
    assert positions == sorted(positions) and f'id="sel-{draft.id}"' not in text
    text = page(bappeda, f"/csr/review?company_id={world['other'].id}")
    assert f'id="sel-{second.id}"' in text and f'id="sel-{first.id}"' not in text

    # returning in bulk needs a comment: nothing changes
    r = bappeda.post("/csr/review", data={"bulk_action": "return", "sel": [str(first.id), str(second.id)]})
    assert r.status_code == 303
    assert "Komentar wajib diisi" in page(bappeda, "/csr/review")
    assert fresh(CsrContribution, first.id).status == "submitted"

    r = bappeda.post("/csr/review", data={"bulk_action": "verify",
                                          "sel": [str(first.id), str(second.id), str(third.id), str(draft.id)]})
    assert r.status_code == 303
    assert [fresh(CsrContribution, c.id).status for c in (first, second, third, draft)] == [
        "verified", "verified", "verified", "draft"]
    text = page(bappeda, "/csr/review")
    assert "3 kontribusi diverifikasi" in text and "Tidak ada kontribusi yang menunggu verifikasi" in text
    assert f"Kontribusi #{draft.id}" in text  # the draft is named with the reason it was skipped


def test_summary_figures(world):
    kec1, kec2 = world["regions"]["kecamatan"]
    mine = make_commitment(world, amount=100_000_000, region=kec1, strategy="S1")
    theirs = make_commitment(world, company=world["other"], amount=50_000_000, region=world["regions"]["desa"][2],
                             title="Jalan desa", strategy="S3")
    make_contribution(world, mine, amount=40_000_000, status="verified")
    make_contribution(world, mine, amount=25_000_000, status="submitted")
    make_contribution(world, theirs, amount=70_000_000, status="verified")  # more than promised
    make_contribution(world, theirs, amount=5_000_000)  # draft: counted nowhere
    make_commitment(world, amount=999_000_000, year=YEAR - 1, title="Tahun lalu")
    bappeda = world["web"]["bappeda"]
    text = text_of(page(bappeda, "/csr/summary"))  # opens on this year
    assert "Total: 2 komitmen" in text
    assert "Total komitmen Rp 150.000.000" in text and "Terverifikasi Rp 110.000.000" in text
    assert "Menunggu verifikasi Rp 25.000.000" in text
    assert "PT Agro Mentaya Lestari · Perkebunan 1 Rp 100.000.000 Rp 40.000.000 40,0 % Rp 25.000.000" in text
    assert "PT Sampit Sawit Makmur · Pertambangan 1 Rp 50.000.000 Rp 70.000.000 140,0 %" in text
    assert "Melebihi komitmen +Rp 20.000.000" in text
    assert "Baamang 1 Rp 100.000.000 Rp 40.000.000" in text and "Pulau Hanaut 1 Rp 50.000.000" in text
    assert "S1 " in text and "Pertambangan 1 Rp 50.000.000" in text and "Rp 999.000.000" not in text
    text = text_of(page(bappeda, "/csr/summary?year="))  # every year
    assert "Total: 3 komitmen" in text and f"{YEAR - 1} 1 Rp 999.000.000" in text
    text = text_of(page(bappeda, f"/csr/summary?year={YEAR}&strategy=S3"))
    assert "Total: 1 komitmen" in text and "PT Agro Mentaya Lestari" not in text.split("Per perusahaan")[1]
    text = text_of(page(bappeda, f"/csr/summary?year={YEAR}&region_id={kec1.id}&sector=Perkebunan"))
    assert "Total: 1 komitmen" in text and "Total komitmen Rp 100.000.000" in text
    text = text_of(page(bappeda, f"/csr/summary?year={YEAR}&company_id={world['other'].id}"))
    assert "Total komitmen Rp 50.000.000" in text
    assert page(bappeda, "/csr/summary?year=abc&region_id=x&strategy=S9&company_id=-1")  # junk: no 500
    # the over-commitment flag is on the company page too
    assert "Melebihi komitmen" in page(bappeda, f"/csr/companies/{world['other'].id}")


def test_activity_page_shows_supporting_commitments(world):
    activity = world["activity"]
    opd = world["web"]["opd"]
    assert "Dukungan CSR perusahaan" not in page(opd, f"/plans/activities/{activity.id}")
    commitment = make_commitment(world, activity_id=activity.id, title="Tandon air warga")
    make_contribution(world, commitment, amount=50_000_000, status="verified")
    text = page(opd, f"/plans/activities/{activity.id}")
    assert "Dukungan CSR perusahaan" in text and "Tandon air warga" in text and "PT Agro Mentaya Lestari" in text
    assert f"/csr/commitments/{commitment.id}" in text and "Rp 50.000.000" in text
    assert "Tandon air warga" in page(opd, f"/csr/commitments/{commitment.id}")
    assert "Tandon air warga" in page(world["web"]["viewer"], f"/plans/activities/{activity.id}")


def test_pages_run_a_bounded_number_of_queries(world):
    from tests.conftest import count_queries

    web, own = world["web"]["bappeda"], world["own"]

    def counts():
        found = []
        for url in (f"/csr/companies/{own.id}", "/csr/summary", "/csr/review"):
            with count_queries() as queries:
                page(web, url)
            found.append(len(queries))
        return found

    commitment = make_commitment(world)
    make_contribution(world, commitment, status="submitted")
    few = counts()
    for i in range(4):
        more = make_commitment(world, title=f"Program {i}", region=world["regions"]["desa"][i])
        for _ in range(3):
            make_contribution(world, more, status="submitted")
    assert counts() == few


def test_english_pages(world):
    commitment = make_commitment(world)
    make_contribution(world, commitment, status="submitted")
    web = world["web"]["bappeda"]
    web.post("/language", data={"lang": "en"})
    for url in (f"/csr/companies/{world['own'].id}", "/csr/summary", "/csr/review",
                f"/csr/commitments/{commitment.id}"):
        page(web, url)
