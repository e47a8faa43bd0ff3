"""Helpers for the progress tests: activities made directly with the ORM (independent of the plans API)."""

from __future__ import annotations

import io
from itertools import count

from tracker.extensions import db
from tracker.plans.models import Activity, Indicator

_codes = count(1)


def make_activity(agency, year=2025, budget=100_000_000, budget_revised=None, indicators=None, name=None):
    """An activity with indicators; ``indicators`` is a list of dicts (name, aggregation, target, quarter_targets)."""
    n = next(_codes)
    activity = Activity(
        agency_id=agency.id if hasattr(agency, "id") else agency, year=year,
        program="Program Perlindungan dan Jaminan Sosial", kegiatan="Pemberdayaan Sosial",
        code=f"1.06.02.2.01.{n:04d}", name=name or f"Bantuan sosial keluarga miskin {n}",
        strategy="S1", funding_source="APBD_KAB", budget=budget, budget_revised=budget_revised,
        target_beneficiaries=100, beneficiary_unit="KK",
    )
    specs = indicators if indicators is not None else [
        {"name": "Keluarga penerima bantuan", "unit": "KK", "aggregation": "sum", "target": 100,
         "quarter_targets": [20, 30, 30, 20]},
    ]
    for position, spec in enumerate(specs):
        q = spec.get("quarter_targets") or [None] * 4
        activity.indicators.append(Indicator(
            position=position, name=spec["name"], unit=spec.get("unit", "KK"), aggregation=spec.get("aggregation", "sum"),
            target=spec["target"], target_q1=q[0], target_q2=q[1], target_q3=q[2], target_q4=q[3]))
    db.session.add(activity)
    db.session.commit()
    return activity


def indicator_ids(activity) -> list[int]:
    from sqlalchemy import select

    return list(db.session.scalars(select(Indicator.id).where(Indicator.activity_id == activity.id)
                                   .order_by(Indicator.position)))


def full_payload(activity, budget=10_000_000, physical=25.0, beneficiaries=20, value=20.0, version=None, **extra):
    payload = {
        "budget_realized": budget, "physical_progress": physical, "beneficiaries_reached": beneficiaries,
        "problems": "Data penerima belum padan dengan DTSEN", "follow_up": "Verifikasi bersama desa",
        "indicator_values": [{"indicator_id": i, "value": value} for i in indicator_ids(activity)],
    }
    if version is not None:
        payload["version"] = version
    payload.update(extra)
    return payload


def item_path(activity, year=2025, quarter=2, suffix=""):
    activity_id = activity.id if hasattr(activity, "id") else activity
    return f"/api/v1/activities/{activity_id}/progress/{year}/{quarter}{suffix}"


PNG_BYTES = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
             b"\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def office_bytes(kind: str) -> bytes:
    """A minimal DOCX ("word") or XLSX ("xl") zip package."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "word" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()
