"""The columns of the poverty import files (statistics, household counts, targets): their header in
the template, the other headers accepted for them, what they mean, an example, and how a header in a
file is matched (case, spaces, dashes and brackets do not matter: "Persen Miskin (%)" is
``persen_miskin``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tracker.i18n import N_

STATS, HOUSEHOLDS, TARGETS = "stats", "households", "targets"
KINDS = (STATS, HOUSEHOLDS, TARGETS)
KIND_LABELS = {STATS: N_("Statistik kemiskinan"), HOUSEHOLDS: N_("Jumlah rumah tangga miskin per desil"),
               TARGETS: N_("Target kemiskinan (RPJMD/RPKD)")}
IGNORED_HEADERS = {"no", "nomor", "keterangan", "nama_wilayah", "nama"}


@dataclass(frozen=True)
class Column:
    key: str  # the field of the rules (``region`` is resolved to ``region_id``)
    header: str  # as the template writes it
    meaning: str
    example: object
    aliases: tuple[str, ...] = ()
    required: bool = False


REGION = Column("region", "wilayah", N_("Kode wilayah (seperti di menu Wilayah, mis. 62.02 atau 62.02.01) atau "
                                        "nama wilayah persis."), "62.02",
                ("kode_wilayah", "region", "region_code", "region_id", "kode", "wilayah_kode"), required=True)
YEAR = Column("year", "tahun", N_("Tahun data, 4 angka."), 2024, ("year",), required=True)
SOURCE_DOCUMENT = Column("source_document", "dokumen_sumber", N_("Judul dokumen sumber, mis. 'Kabupaten Kotawaringin "
                                                                 "Timur Dalam Angka 2025'."), "Berita Resmi Statistik",
                         ("source_document", "dokumen", "sumber_dokumen"))
SOURCE_DATE = Column("source_date", "tanggal_sumber", N_("Tanggal terbit dokumen sumber (TTTT-BB-HH atau "
                                                         "HH/BB/TTTT)."), "2024-07-01",
                     ("source_date", "tanggal", "tanggal_dokumen"))

COLUMNS: dict[str, tuple[Column, ...]] = {
    STATS: (
        REGION, YEAR,
        Column("month", "bulan", N_("3 atau Maret, 9 atau September (putaran Susenas); kosong bila hanya ada satu "
                                    "angka setahun."), 3, ("month", "putaran")),
        Column("source", "sumber", N_("BPS, P3KE, DTSEN, DISDUKCAPIL atau OTHER (lainnya)."), "BPS", ("source",),
               required=True),
        Column("poor_count", "jumlah_miskin", N_("Jumlah penduduk miskin (jiwa), bilangan bulat."), 8740,
               ("poor_count", "jumlah_penduduk_miskin", "penduduk_miskin")),
        Column("poor_pct", "persen_miskin", N_("Persentase penduduk miskin P0 (0–100), mis. 6,66."), 6.66,
               ("poor_pct", "p0", "persentase_penduduk_miskin", "persentase_miskin")),
        Column("p1", "p1", N_("Indeks kedalaman kemiskinan P1 (≥ 0)."), 0.97, ("indeks_kedalaman",)),
        Column("p2", "p2", N_("Indeks keparahan kemiskinan P2 (≥ 0)."), 0.21, ("indeks_keparahan",)),
        Column("poverty_line", "garis_kemiskinan", N_("Garis kemiskinan, Rupiah per kapita per bulan, bilangan "
                                                      "bulat > 0."), 612345, ("poverty_line", "gk")),
        Column("extreme_poor_count", "jumlah_miskin_ekstrem", N_("Jumlah penduduk miskin ekstrem (jiwa), tidak lebih "
                                                                 "dari jumlah miskin."), 1210,
               ("extreme_poor_count", "penduduk_miskin_ekstrem")),
        Column("extreme_pct", "persen_miskin_ekstrem", N_("Persentase kemiskinan ekstrem (0–100), tidak lebih dari "
                                                          "persen miskin."), 0.92,
               ("extreme_pct", "persentase_miskin_ekstrem", "persen_ekstrem")),
        SOURCE_DOCUMENT, SOURCE_DATE,
        Column("notes", "catatan", N_("Catatan bebas."), "", ("notes",)),
    ),
    HOUSEHOLDS: (
        Column("region", "wilayah", N_("Kode kecamatan atau desa/kelurahan (mis. 62.02.01 atau 62.02.01.2001) atau "
                                       "nama persis."), "62.02.01", REGION.aliases, required=True),
        YEAR,
        Column("source", "sumber", N_("P3KE, DTSEN atau OTHER (lainnya)."), "DTSEN", ("source",), required=True),
        *(Column(f"households_d{d}", f"rt_desil_{d}", N_("Jumlah rumah tangga (KK) desil %(d)s.") % {"d": d},
                 (412, 530, 610, 655)[d - 1], (f"households_d{d}", f"ruta_desil_{d}", f"kk_desil_{d}"))
          for d in (1, 2, 3, 4)),
        *(Column(f"people_d{d}", f"jiwa_desil_{d}", N_("Jumlah jiwa desil %(d)s.") % {"d": d},
                 (1650, 2040, 2290, 2380)[d - 1], (f"people_d{d}", f"art_desil_{d}"))
          for d in (1, 2, 3, 4)),
        SOURCE_DOCUMENT, SOURCE_DATE,
    ),
    TARGETS: (
        REGION, YEAR,
        Column("measure", "ukuran", N_("poor_pct (persentase penduduk miskin) atau extreme_pct (persentase kemiskinan "
                                       "ekstrem)."), "poor_pct", ("measure", "indikator"), required=True),
        Column("value", "nilai", N_("Target dalam persen (0–100), mis. 5,50."), 5.5, ("value", "target"),
               required=True),
        Column("source_document", "dokumen_sumber", N_("Dokumen target, mis. 'RPJMD 2021–2026'."), "RPJMD 2021-2026",
               ("source_document", "dokumen")),
    ),
}

SOURCE_WORDS = {"lainnya": "OTHER", "lain": "OTHER", "other": "OTHER", "disdukcapil": "DISDUKCAPIL",
                "dukcapil": "DISDUKCAPIL", "dtks": "OTHER"}
MEASURE_WORDS = {"p0": "poor_pct", "persen_miskin": "poor_pct", "persentase_penduduk_miskin": "poor_pct",
                 "miskin": "poor_pct", "ekstrem": "extreme_pct", "persen_miskin_ekstrem": "extreme_pct",
                 "kemiskinan_ekstrem": "extreme_pct", "miskin_ekstrem": "extreme_pct"}


def normalise(header) -> str:
    """"Persen Miskin (%)" -> "persen_miskin"; "RT desil-1" -> "rt_desil_1"."""
    text = re.sub(r"\(.*?\)", " ", str(header or "")).strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


def header_index(kind: str) -> dict[str, Column]:
    """Every accepted (normalised) header of ``kind`` -> its column."""
    out: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.header, column.key, *column.aliases):
            out.setdefault(normalise(name), column)
    return out
