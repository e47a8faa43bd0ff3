"""Importing poverty figures from CSV and XLSX (``tracker.poverty.imports``): Indonesian CSV (``;`` and
decimal comma, BOM), the template round trip, all-or-nothing with errors by row and column,
duplicates in the file and against the database, replace, formula-like cells, bad files."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tracker.extensions import db
from tracker.poverty import imports
from tracker.poverty.import_template import build_template, template_filename
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget

STAT_HEADER = "wilayah;tahun;bulan;sumber;jumlah_miskin;persen_miskin;p1;p2;garis_kemiskinan;jumlah_miskin_ekstrem;" \
              "persen_miskin_ekstrem;dokumen_sumber;tanggal_sumber"


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


def _csv(text: str, *, bom: bool = False, encoding: str = "utf-8") -> io.BytesIO:
    data = text.encode(encoding)
    return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + data)


def _xlsx(rows: list[list], sheet: str = "Data") -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fail(kind, name, stream, user, **kw) -> imports.ImportFailed:
    with pytest.raises(imports.ImportFailed) as excinfo:
        imports.import_file(kind, name, stream, user, **kw)
    db.session.rollback()
    return excinfo.value


def test_indonesian_csv_with_semicolons_decimal_commas_and_bom(app, kabupaten, coordinator):
    lines = (
        STAT_HEADER,
        "62.02;2023;3;BPS;8.590;6,63;0,97;0,21;598.765;1.210;0,92;BRS BPS Juli 2023;03/07/2023",
        "62.02;2024;Maret;bps;8.740;6,66;;;612.345;;;\"Kabupaten Dalam Angka; 2025\";2024-07-01",
        "Pulau Hanaut;2024;;DTSEN;1.204;;;;;;;;",
        "# 62.02;2099;3;BPS;1;1;;;;;;contoh;",
        ";;;;;;;;;;;;",
    )
    text = "\n".join(lines)
    result = imports.import_file("stats", "bps.csv", _csv(text, bom=True), coordinator)
    db.session.commit()
    assert (result.rows, result.created, result.replaced, result.skipped) == (3, 3, 0, 1)
    rows = {(s.year, s.source): s for s in db.session.scalars(select(PovertyStat))}
    first = rows[(2023, "BPS")]
    assert (first.poor_count, first.poor_pct, first.p1, first.poverty_line, first.extreme_poor_count) == \
        (8590, 6.63, 0.97, 598765, 1210)
    assert str(first.source_date) == "2023-07-03" and first.month == 3
    second = rows[(2024, "BPS")]
    assert second.month == 3 and second.p1 is None and second.extreme_pct is None  # empty stays empty
    assert second.source_document == "Kabupaten Dalam Angka; 2025"
    dtsen = rows[(2024, "DTSEN")]
    assert dtsen.region_id == kabupaten["kecamatan"][1].id and dtsen.month is None and dtsen.poor_pct is None
    assert [r.action for r in audit_rows("poverty_stat")] == ["create"] * 3


def test_comma_separated_csv_with_quoted_decimals(app, kabupaten, coordinator):
    text = "wilayah,tahun,sumber,persen_miskin,jumlah_miskin\n62.02,2022,BPS,\"6,59\",8420\n62.02.01,2022,BPS,5.1,\n"
    result = imports.import_file("stats", "x.csv", _csv(text), coordinator)
    assert result.created == 2
    values = sorted(db.session.scalars(select(PovertyStat.poor_pct)))
    assert values == [5.1, 6.59]


def test_a_bad_file_imports_nothing_and_names_every_row_and_column(app, kabupaten, coordinator):
    lines = (
        STAT_HEADER,
        "62.02;2024;3;BPS;8.740;6,66;;;;;;;",  # good
        "62.02;1990;3;BPS;8.740;106,6;;;;;;;",  # year, pct
        "62.99;2024;3;BPS;1;1;;;;;;;",  # unknown region
        "62.02;2024;6;BAPPEDA;-5;;;;0;;;;",  # month, source, count, poverty line
        "62.02.01.2001;2024;3;BPS;10;1;;;;;;;",  # a desa: not for statistics
        "62.02;2023;3;BPS;100;5;;;;200;6;;31/13/2023",  # extreme > poor (count and pct), date
    )
    text = "\n".join(lines)
    err = _fail("stats", "salah.csv", _csv(text), coordinator)
    assert _count(PovertyStat) == 0
    keys = set(err.fields)
    assert {"row 3: year", "row 3: poor_pct", "row 4: region", "row 5: month", "row 5: source", "row 5: poor_count",
            "row 5: poverty_line", "row 6: region", "row 7: extreme_poor_count", "row 7: extreme_pct",
            "row 7: source_date"} <= keys
    assert not any(k.startswith("row 2") for k in keys)
    lines = err.lines()
    assert any(line.startswith("Baris 3, kolom 'persen_miskin' (sel F3):") for line in lines), lines
    assert "tidak diimpor" in err.message and err.status == 422


def test_duplicates_in_the_file_and_against_the_database(app, kabupaten, coordinator):
    text = "wilayah;tahun;bulan;sumber;jumlah_miskin\n62.02;2024;3;BPS;8740\nKotawaringin Timur;2024;Maret;BPS;8750\n"
    err = _fail("stats", "d.csv", _csv(text), coordinator)
    assert "baris 2" in err.fields["row 3"] and "duplikat" in err.fields["row 3"]

    imports.import_file("stats", "a.csv", _csv("wilayah;tahun;sumber;jumlah_miskin;p1\n62.02;2024;BPS;8740;0,9\n"),
                        coordinator)
    db.session.commit()
    again = "wilayah;tahun;sumber;jumlah_miskin\n62.02;2024;BPS;8800\n62.02;2023;BPS;8590\n"
    err = _fail("stats", "b.csv", _csv(again), coordinator)
    assert "sudah ada" in err.fields["row 2"] and "row 3" not in err.fields
    assert _count(PovertyStat) == 1
    result = imports.import_file("stats", "b.csv", _csv(again), coordinator, replace=True)
    db.session.commit()
    assert (result.created, result.replaced) == (1, 1)
    stored = db.session.scalar(select(PovertyStat).where(PovertyStat.year == 2024))
    assert stored.poor_count == 8800 and stored.p1 is None and stored.version == 2  # replaced, not merged
    assert [r.action for r in audit_rows("poverty_stat")] == ["create", "create", "replace"]


def test_the_template_round_trips(app, kabupaten, coordinator):
    data = build_template("households")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Data", "Petunjuk", "Wilayah"]
    header = [c.value for c in wb["Data"][1]]
    assert header[:3] == ["wilayah", "tahun", "sumber"] and "rt_desil_1" in header and "jiwa_desil_4" in header
    assert wb["Data"]["A2"].value == "# 62.02.01"  # the example row, skipped until the # goes
    notes = " ".join(str(c.value) for row in wb["Petunjuk"].iter_rows() for c in row if c.value)
    assert "rt_desil_1" in notes and "DTSEN" in notes and "tidak ada data yang disimpan" in notes
    codes = [row[0].value for row in wb["Wilayah"].iter_rows(min_row=2)]
    assert "62.02.01.2001" in codes and "62.02" not in codes
    assert template_filename("households").endswith(".xlsx")

    ws = wb["Data"]
    ws.append(["62.02.02", 2024, "DTSEN", 300, 410, 500, 520, 1200, 1700, 2000, 2100, "DTSEN Mei 2025", None])
    ws.append(["62.02.01.2001", 2024.0, "p3ke", 12, None, None, None, 40, None, None, None, None, None])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    result = imports.import_file("households", "isi.xlsx", out, coordinator)
    db.session.commit()
    assert (result.rows, result.created, result.skipped) == (2, 2, 1)
    rows = {r.source: r for r in db.session.scalars(select(HouseholdCount))}
    assert rows["DTSEN"].households() == [300, 410, 500, 520] and rows["DTSEN"].total_people == 7000
    assert rows["P3KE"].households() == [12, None, None, None]  # empty desil stay empty


def test_targets_import(app, kabupaten, coordinator):
    rows = [["wilayah", "tahun", "ukuran", "nilai", "dokumen_sumber"],
            ["62.02", 2025, "poor_pct", 5.9, "RPJMD"], ["62.02", 2026, "P0", "5,5", "RPJMD"],
            ["62.02", 2026, "ekstrem", 0, "RPKD"]]
    result = imports.import_file("targets", "t.xlsx", _xlsx(rows), coordinator)
    assert result.created == 3
    assert sorted(db.session.scalars(select(PovertyTarget.value))) == [0.0, 5.5, 5.9]


def test_formula_like_text_stays_text_and_unsaved_formulas_are_errors(app, kabupaten, coordinator):
    text = "wilayah;tahun;sumber;jumlah_miskin;dokumen_sumber\n62.02;2024;BPS;8740;=HYPERLINK(\"http://x\")\n"
    imports.import_file("stats", "f.csv", _csv(text), coordinator)
    assert db.session.scalar(select(PovertyStat.source_document)) == '=HYPERLINK("http://x")'
    db.session.rollback()
    # a formula in a number cell counts with its saved value; openpyxl saves none: refused, never empty
    err = _fail("stats", "f.xlsx", _xlsx([["wilayah", "tahun", "sumber", "jumlah_miskin"],
                                           ["62.02", 2024, "BPS", "=8000+740"]]), coordinator)
    assert "rumus" in err.fields["row 2: poor_count"]
    # a formula-like number in a CSV is not a number
    err = _fail("stats", "g.csv", _csv("wilayah;tahun;sumber;jumlah_miskin\n62.02;2024;BPS;=1+1\n"), coordinator)
    assert "row 2: poor_count" in err.fields


def test_template_text_is_never_a_formula(app, make_region, coordinator):
    kab = make_region("62.02", "=HYPERLINK(\"http://jahat\")", "kabupaten")
    make_region("62.02.01", "+Baamang", "kecamatan", kab)
    wb = load_workbook(io.BytesIO(build_template("stats")))
    cells = {row[1].value: row[1] for row in wb["Wilayah"].iter_rows(min_row=2)}
    risky = cells["=HYPERLINK(\"http://jahat\")"]
    assert risky.data_type == "s" and risky.quotePrefix
    assert cells["+Baamang"].quotePrefix


@pytest.mark.parametrize("name, payload, words", [
    ("a.csv", "wilayah;tahun;sumber\n62.02;2024;BPS\n".encode("cp1252") + "Kabupat\xe9n".encode("cp1252"), "UTF-8"),
    ("a.csv", "wilayah;tahun;sumber\n".encode("utf-16"), "UTF-16"),
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xls"),
    ("a.xlsx", b"PK\x03\x04 not really a zip", "rusak"),
    ("a.xlsx", b"just text", "rusak"),
    ("a.pdf", b"%PDF-1.4", "tidak didukung"),
    ("a.csv", b"", "kosong"),
    ("a.csv", b"tahun;sumber\n2024;BPS\n", "kolom wajib 'wilayah'"),
    ("a.csv", b"wilayah;tahun;sumber;jumlah_miskn\n62.02;2024;BPS;1\n", "tidak dikenal"),
    ("a.csv", b"wilayah;tahun;sumber\n", "tidak berisi baris data"),
    ("a.csv", b"wilayah;tahun;sumber\n# 62.02;2024;BPS\n", "tidak berisi baris data"),
])
def test_bad_files_get_a_clear_message(app, kabupaten, coordinator, name, payload, words):
    err = _fail("stats", name, io.BytesIO(payload), coordinator)
    assert words in " ".join(err.lines()), err.lines()
    assert _count(PovertyStat) == 0


def test_size_and_row_limits(app, kabupaten, coordinator, monkeypatch):
    err = _fail("stats", "big.csv", io.BytesIO(b"x" * (imports.MAX_BYTES + 1)), coordinator)
    assert "terlalu besar" in err.message
    monkeypatch.setattr("tracker.poverty.import_files.MAX_ROWS", 3)
    monkeypatch.setattr("tracker.poverty.imports.MAX_ROWS", 3)
    rows = "".join(f"62.02;{2000 + n};BPS\n" for n in range(5))
    err = _fail("stats", "many.csv", _csv("wilayah;tahun;sumber\n" + rows), coordinator)
    assert "terlalu banyak baris" in err.message or "terlalu banyak baris" in " ".join(err.lines())


def test_only_writers_import(app, kabupaten, make_user):
    from tracker.errors import Forbidden

    with pytest.raises(Forbidden):
        imports.import_file("stats", "a.csv", _csv("wilayah;tahun;sumber\n62.02;2024;BPS\n"), make_user(role="viewer"))
