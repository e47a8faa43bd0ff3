"""The Renstra figures of an indicator (Permendagri 86/2017 columns 5 and 6): the end-of-period target
(``target_end``) and what was achieved before this year (``achieved_before``), optional numbers ≥ 0 on
the API, the form, the activity page, the Excel round trip (older files without the columns included),
the audit log and the demo."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import audit_rows
from tests.test_plans_support import YEAR, activity_payload, api, create, world  # noqa: F401
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator

RENSTRA = ("target_end", "achieved_before")


def _indicator(**overrides) -> dict:
    body = {"name": "Keluarga penerima sembako", "unit": "KK", "aggregation": "sum", "target": 120,
            "quarter_targets": [20, 40, 40, 20]}
    body.update(overrides)
    return body


def _stored() -> list[tuple]:
    db.session.expire_all()
    return list(db.session.execute(
        select(Indicator.name, Indicator.target_end, Indicator.achieved_before).order_by(Indicator.id)))


# ---- API ------------------------------------------------------------------------------------------

def test_api_takes_and_returns_both_fields_and_null_when_not_given(world, api):
    body = create(api("user_a"), world, indicators=[
        _indicator(target_end=600, achieved_before=212.5),
        _indicator(name="Persentase tepat sasaran", unit="%", aggregation="last", target=95,
                   quarter_targets=[80, 85, 90, 95]),
    ])
    first, second = body["indicators"]
    assert (first["target_end"], first["achieved_before"]) == (600, 212.5)
    assert second["target_end"] is None and second["achieved_before"] is None  # keys present, null
    assert body["warnings"] == []
    fetched = api("viewer").get(f"/api/v1/activities/{body['id']}").get_json()["indicators"]
    assert [(i["target_end"], i["achieved_before"]) for i in fetched] == [(600, 212.5), (None, None)]
    listed = api("coordinator").get(f"/api/v1/activities?year={YEAR}").get_json()["items"][0]["indicators"]
    assert listed[0]["target_end"] == 600
    assert _stored() == [("Keluarga penerima sembako", 600.0, 212.5), ("Persentase tepat sasaran", None, None)]
    # Nothing renamed: the fields indicators always had are still there.
    assert {"id", "position", "name", "unit", "aggregation", "target", "quarter_targets"} < set(first)


@pytest.mark.parametrize("key, message", [
    ("target_end", "Target akhir Renstra harus angka ≥ 0."),
    ("achieved_before", "Capaian s.d. tahun lalu harus angka ≥ 0."),
])
def test_api_refuses_negative_and_huge_numbers_with_an_indonesian_message(world, api, key, message):
    for value in (-1, 1e13):
        response = api("user_a").post("/api/v1/activities", json={
            **activity_payload(world), "indicators": [_indicator(**{key: value})]})
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["fields"] == {f"indicators.0.{key}": message}
    # Text is a wrong type on the API (400), as for the annual target.
    response = api("user_a").post("/api/v1/activities", json={
        **activity_payload(world), "indicators": [_indicator(**{key: "600"})]})
    assert response.status_code == 400
    assert db.session.scalar(select(Activity.id)) is None


def test_patch_changes_clears_or_keeps_the_fields_and_audits_the_change(world, api):
    body = create(api("user_a"), world, indicators=[_indicator(target_end=600, achieved_before=240)])
    url, ind = f"/api/v1/activities/{body['id']}", body["indicators"][0]
    plain = {k: ind[k] for k in ("id", "name", "unit", "aggregation", "target", "quarter_targets")}

    # An older client sends the indicator without the new keys: the stored values stay, nothing is logged.
    kept = api("user_a").patch(url, json={"version": body["version"], "indicators": [plain]})
    assert kept.status_code == 200, kept.get_json()
    assert (kept.get_json()["indicators"][0]["target_end"], kept.get_json()["indicators"][0]["achieved_before"]) \
        == (600, 240)
    assert kept.get_json()["version"] == body["version"]
    assert [r.action for r in audit_rows("activity")] == ["create"]

    changed = api("user_a").patch(url, json={"version": body["version"],
                                             "indicators": [{**plain, "target_end": 650, "achieved_before": None}]})
    assert changed.status_code == 200, changed.get_json()
    out = changed.get_json()["indicators"][0]
    assert (out["id"], out["target_end"], out["achieved_before"]) == (ind["id"], 650, None)
    row = audit_rows("activity")[-1]
    assert row.action == "update"
    assert row.before["indicators"][0]["target_end"] == 600 and row.before["indicators"][0]["achieved_before"] == 240
    assert row.after["indicators"][0]["target_end"] == 650 and row.after["indicators"][0]["achieved_before"] is None

    # A new indicator sent without the keys has none.
    added = api("user_a").patch(url, json={"version": changed.get_json()["version"],
                                           "indicators": [{**plain, "target_end": 650}, _indicator(name="Baru")]})
    assert added.status_code == 200, added.get_json()
    assert [(i["target_end"], i["achieved_before"]) for i in added.get_json()["indicators"]] == [(650, None),
                                                                                                 (None, None)]


def test_achieved_before_above_the_end_target_is_saved_with_a_warning(world, api):
    body = create(api("user_a"), world, indicators=[
        _indicator(target_end=500, achieved_before=520),
        _indicator(name="Prevalensi", unit="%", aggregation="last", target=20, quarter_targets=[20, 20, 20, 20],
                   target_end=14, achieved_before=22),  # a level may fall towards its target: no warning
    ])
    assert [w["field"] for w in body["warnings"]] == ["indicators.0.achieved_before"]
    assert "capaian s.d. tahun lalu (520) sudah melebihi target akhir Renstra (500)" in body["warnings"][0]["message"]
    assert _stored()[0][1:] == (500.0, 520.0)


def test_openapi_documents_the_fields(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("IndicatorIn", "IndicatorOut"):
        props = schemas[name]["properties"]
        assert set(RENSTRA) <= set(props), name
        assert {"type": "null"} in props["target_end"]["anyOf"]
    assert not set(RENSTRA) & set(schemas["IndicatorIn"].get("required", []))
    assert set(RENSTRA) <= set(schemas["IndicatorOut"]["required"])  # always present, null when empty
    assert schemas["IndicatorIn"]["properties"]["target_end"]["minimum"] == 0


# ---- the form and the page --------------------------------------------------------------------------

def _form(world, **overrides) -> dict:
    data = {"year": str(YEAR), "program": "Program Pengembangan Perumahan", "kegiatan": "Rehabilitasi Rumah",
            "code": "1.04.02.2.01.0003", "name": "Bedah Rumah Tidak Layak Huni", "strategy": "S1",
            "funding_source": "APBD_KAB", "budget": "1.500.000.000",
            "region_ids": [str(world["kabupaten"]["kecamatan"][1].id)],
            "target_beneficiaries": "75", "beneficiary_unit": "unit",
            "indicators-0-name": "Rumah diperbaiki", "indicators-0-unit": "unit", "indicators-0-aggregation": "sum",
            "indicators-0-target": "1.000", "indicators-0-q1": "250", "indicators-0-q2": "250",
            "indicators-0-q3": "250", "indicators-0-q4": "250",
            "indicators-0-target_end": "4.500,5", "indicators-0-achieved_before": "", "action": "save"}
    data.update(overrides)
    return data


def test_form_shows_the_inputs_with_labels_and_help(world, client_as):
    page = client_as(world["user_a"]).get("/plans/activities/new").get_data(as_text=True)
    for label in ("Target akhir Renstra", "Capaian s.d. tahun lalu", "Permendagri 86/2017"):
        assert label in page, label
    assert 'name="indicators-0-target_end"' in page and 'name="indicators-0-achieved_before"' in page
    assert "indicators-__INDEX__-achieved_before" in page  # rows added in the browser have them too


def test_form_creates_with_indonesian_numbers_and_empty_stays_none(world, client_as):
    browser = client_as(world["user_a"])
    response = browser.post("/plans/activities/new", data=_form(world))
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _stored() == [("Rumah diperbaiki", 4500.5, None)]  # "" is not 0
    detail = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-field="target_end">4\.500,5<', detail)
    assert re.search(r'data-field="achieved_before">–<', detail)
    assert "Target akhir Renstra" in detail and "Capaian s.d. tahun lalu" in detail


def test_form_edit_shows_changes_and_clears_the_fields(world, api, client_as):
    body = create(api("user_a"), world, indicators=[_indicator(target_end=1234.5, achieved_before=480)])
    browser = client_as(world["user_a"])
    url = f"/plans/activities/{body['id']}/edit"
    page = browser.get(url).get_data(as_text=True)
    assert 'name="indicators-0-target_end" value="1.234,5"' in page
    assert 'name="indicators-0-achieved_before" value="480"' in page
    base = _form(world, version=str(body["version"]), **{
        "indicators-0-id": str(body["indicators"][0]["id"]), "indicators-0-target": "120",
        "indicators-0-q1": "30", "indicators-0-q2": "30", "indicators-0-q3": "30", "indicators-0-q4": "30"})
    response = browser.post(url, data={**base, "indicators-0-target_end": "",
                                       "indicators-0-achieved_before": "250,25"})
    assert response.status_code == 303
    assert _stored() == [("Rumah diperbaiki", None, 250.25)]
    row = audit_rows("activity")[-1]
    assert row.before["indicators"][0]["target_end"] == 1234.5 and row.after["indicators"][0]["target_end"] is None


def test_form_puts_the_messages_next_to_the_inputs_and_saves_nothing(world, client_as):
    browser = client_as(world["user_a"])
    response = browser.post("/plans/activities/new", data=_form(world, **{
        "indicators-0-target_end": "-3", "indicators-0-achieved_before": "banyak"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for name, message in (("target_end", "Target akhir Renstra harus angka ≥ 0."),
                          ("achieved_before", "Capaian s.d. tahun lalu harus angka ≥ 0.")):
        pattern = (rf'is-invalid"\s+name="indicators-0-{name}" value="[^"]*"[^>]*>\s*'
                   rf'<div class="invalid-feedback">{re.escape(message)}</div>')
        assert re.search(pattern, page), name
    assert 'value="banyak"' in page  # what was typed stays
    assert db.session.scalar(select(Activity.id)) is None


def test_live_check_names_the_inputs_and_warns(world, client_as):
    browser = client_as(world["user_a"])
    result = browser.post("/plans/activities/check", data=_form(world, **{
        "indicators-0-target_end": "1,5,5"})).get_json()
    assert result["fields"] == {"indicators-0-target_end": "Target akhir Renstra harus angka ≥ 0."}
    result = browser.post("/plans/activities/check", data=_form(world, **{
        "indicators-0-target_end": "4000", "indicators-0-achieved_before": "4.200"})).get_json()
    assert result["fields"] == {}
    assert [w["field"] for w in result["warnings"]] == ["indicators-0-achieved_before"]


# ---- Excel ----------------------------------------------------------------------------------------

def _template(api_client, agency_id) -> bytes:
    response = api_client.get(f"/api/v1/plans/{agency_id}/{YEAR}/template.xlsx")
    assert response.status_code == 200
    return response.data


def _upload(api_client, agency_id, data: bytes):
    return api_client.post(f"/api/v1/plans/{agency_id}/{YEAR}/import",
                           data={"file": (io.BytesIO(data), "rencana.xlsx")}, content_type="multipart/form-data")


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _columns(ws) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[4] if c.value}


def _two(api, world) -> dict:
    return create(api("user_a"), world, indicators=[
        _indicator(target_end=600, achieved_before=240.5),
        _indicator(name="Persentase tepat sasaran", unit="%", aggregation="last", target=95,
                   quarter_targets=[80, 85, 90, 95]),
    ])


def test_template_has_the_columns_at_the_end_and_the_round_trip_keeps_them(world, api):
    agency_id = world["agency_a"].id
    _two(api, world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ind = wb["Indikator"]
    headers = [c.value for c in ind[4] if c.value]
    assert headers[-2:] == ["Target Akhir Renstra", "Capaian Renstra s.d. Tahun Lalu"]
    assert headers[:10][-1] == "Target TW IV"  # the older columns kept their places
    cols = _columns(ind)
    assert (ind.cell(5, cols["Target Akhir Renstra"]).value, ind.cell(5, cols["Capaian Renstra s.d. Tahun Lalu"]).value) \
        == (600, 240.5)
    assert ind.cell(6, cols["Target Akhir Renstra"]).value is None
    help_text = " ".join(str(c.value) for row in wb["Petunjuk"].iter_rows() for c in row if c.value)
    assert "Target Akhir Renstra" in help_text and "Berkas lama" in help_text
    ranges = " ".join(str(dv.sqref) for dv in ind.data_validations.dataValidation if dv.type == "decimal")
    assert "K5" in ranges and "L5" in ranges

    # Download -> upload unchanged: nothing changes.
    result = _upload(api("user_a"), agency_id, _template(api("user_a"), agency_id)).get_json()
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 1)

    # Edit: Indonesian text, a clear, a new value; a new indicator with the figures.
    ind["K5"], ind["L5"], ind["K6"] = "1.250,5", None, 100
    ind.append([1, None, "Keluarga dengan rumah layak", "KK", "sum", 10, 2, 3, 3, 2, 50, "20"])
    result = _upload(api("user_a"), agency_id, _save(wb))
    assert result.status_code == 200, result.get_json()
    assert result.get_json()["updated"] == 1
    assert _stored() == [("Keluarga penerima sembako", 1250.5, None), ("Persentase tepat sasaran", 100.0, None),
                         ("Keluarga dengan rumah layak", 50.0, 20.0)]
    # The edited data downloads again as it is now.
    again = _upload(api("user_a"), agency_id, _template(api("user_a"), agency_id)).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_an_older_file_without_the_columns_imports_and_keeps_the_stored_values(world, api):
    agency_id = world["agency_a"].id
    body = _two(api, world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ind = wb["Indikator"]
    ind.delete_cols(11, 2)  # the template as it was before the Renstra columns
    assert [c.value for c in ind[4] if c.value][-1] == "Target TW IV"
    assert _upload(api("user_a"), agency_id, _save(wb)).get_json()["unchanged"] == 1
    ind["F6"] = 90  # change something else, and add an indicator, in the old file
    ind.append([1, None, "Indikator baru", "KK", "sum", 4, 1, 1, 1, 1])
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 200, response.get_json()
    assert _stored() == [("Keluarga penerima sembako", 600.0, 240.5), ("Persentase tepat sasaran", None, None),
                         ("Indikator baru", None, None)]
    fetched = api("user_a").get(f"/api/v1/activities/{body['id']}").get_json()["indicators"]
    assert fetched[1]["target"] == 90


def test_excel_errors_name_the_cell(world, api):
    agency_id = world["agency_a"].id
    _two(api, world)
    wb = load_workbook(io.BytesIO(_template(api("user_a"), agency_id)))
    ind = wb["Indikator"]
    ind["K5"], ind["L6"] = -600, "sebagian"
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["Indikator!K5"] == "Target akhir Renstra harus angka ≥ 0."
    assert fields["Indikator!L6"] == "Capaian s.d. tahun lalu harus angka ≥ 0."
    assert _stored()[0][1:] == (600.0, 240.5)
    # Above the end target: imported, and the warning names the cell of the figure.
    ind["K5"], ind["L6"] = 200, None
    ind["L5"] = 250
    response = _upload(api("user_a"), agency_id, _save(wb))
    assert response.status_code == 200, response.get_json()
    assert [w["cell"] for w in response.get_json()["warnings"]] == ["Indikator!L5"]


def test_export_mentions_the_figures_when_recorded(world, api):
    _two(api, world)
    response = api("coordinator").get(f"/api/v1/plans/export.xlsx?year={YEAR}")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    text = rows[1][rows[0].index("Indikator")]
    assert "Keluarga penerima sembako: 120 KK (TW 20/40/40/20; Renstra 600, s.d. tahun lalu 240.5)" in text
    assert "Persentase tepat sasaran: 95 % (TW 80/85/90/95)" in text


# ---- demo -----------------------------------------------------------------------------------------

def test_the_demo_fills_the_figures_for_most_indicators(app):
    from tracker.demo import load_demo

    load_demo(scale="small", echo=lambda _m: None, current_year=2025)
    db.session.expire_all()
    rows = db.session.execute(select(Indicator, Activity.year).join(Activity)).all()
    filled = [(i, year) for i, year in rows if i.target_end is not None]
    assert 0.5 * len(rows) <= len(filled) < len(rows)  # most, not all
    assert all((i.target_end is None) == (i.achieved_before is None) for i, _y in rows)
    sums = [(i, year) for i, year in filled if i.aggregation == "sum"]
    assert sums and all(4 * i.target - 1 <= i.target_end <= 5 * i.target + 1 for i, _y in sums)
    assert all(0 < i.achieved_before <= 3 * i.target for i, _y in sums)
    # The later year has achieved more before it; the end-of-period target is the same.
    codes = dict(db.session.execute(select(Activity.id, Activity.code)).tuples().all())
    pairs: dict[tuple, dict[int, Indicator]] = {}
    for i, year in sums:
        pairs.setdefault((codes[i.activity_id], i.position, i.name), {})[year] = i
    both = [p for p in pairs.values() if set(p) == {2024, 2025}]
    assert both
    assert all(p[2025].achieved_before > p[2024].achieved_before for p in both)
    assert all(p[2025].target_end == p[2024].target_end for p in both)
    assert any(i.achieved_before for i, _y in filled if i.aggregation == "last")
