"""Shared fixtures and helpers of the action plan tests (imported by the other test_plans_* modules)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.plans.models import Activity

YEAR = 2025


def activity_payload(world, **overrides) -> dict:
    """A valid POST /activities body for OPD A."""
    kec, desa = world["kabupaten"]["kecamatan"], world["kabupaten"]["desa"]
    body = {
        "agency_id": world["agency_a"].id, "year": YEAR,
        "program": "Program Perlindungan dan Jaminan Sosial",
        "kegiatan": "Pemberdayaan Sosial Keluarga Fakir Miskin",
        "code": "1.06.05.2.02.0003", "name": "Bantuan Sembako Keluarga Miskin Ekstrem",
        "strategy": "S1", "funding_source": "APBD_KAB", "budget": 250_000_000,
        "region_ids": [kec[0].id, desa[2].id], "target_beneficiaries": 120, "beneficiary_unit": "KK",
        "indicators": [{"name": "Keluarga penerima sembako", "unit": "KK", "aggregation": "sum", "target": 120,
                        "quarter_targets": [20, 40, 40, 20]}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def world(app, make_agency, make_user, kabupaten):
    agency_a = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    agency_b = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    return {
        "kabupaten": kabupaten,
        "agency_a": agency_a, "agency_b": agency_b,
        "user_a": make_user(role="agency", agency=agency_a),
        "user_b": make_user(role="agency", agency=agency_b),
        "coordinator": make_user(role="coordinator"),
        "admin": make_user(role="admin"),
        "viewer": make_user(role="viewer"),
        "company": make_user(role="company"),
    }


@pytest.fixture
def api(world, api_as):
    """API clients per role name of ``world``."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = api_as(world[name])
        return cache[name]
    return get


def create(api_client, world, **overrides) -> dict:
    response = api_client.post("/api/v1/activities", json=activity_payload(world, **overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def fresh(activity_id: int) -> Activity | None:
    db.session.expire_all()
    return db.session.scalar(select(Activity).where(Activity.id == activity_id))
