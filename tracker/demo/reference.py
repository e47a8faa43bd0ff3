"""Regions, OPDs, companies and quarters of the demo kabupaten."""

from __future__ import annotations

from tracker.extensions import db
from tracker.periods.services import ensure_year
from tracker.reference.models import Agency, Company, Region

KABUPATEN = ("62.02", "Kotawaringin Timur")

# The 17 kecamatan of Kotawaringin Timur, with a few desa/kelurahan each.
KECAMATAN = [
    ("Kota Besi", ["Kota Besi Hulu", "Kota Besi Hilir", "Camba", "Soren"]),
    ("Cempaga", ["Cempaka Mulia Barat", "Cempaka Mulia Timur", "Patai", "Sungai Paring"]),
    ("Mentaya Hulu", ["Kuala Kuayan", "Tumbang Sapiri", "Tanjung Jariangau", "Bawan"]),
    ("Parenggean", ["Parenggean", "Bajarum", "Tehang", "Sari Harapan"]),
    ("Baamang", ["Baamang Hulu", "Baamang Tengah", "Baamang Hilir", "Tinduk", "Baamang Barat"]),
    ("Mentawa Baru Ketapang", ["Mentawa Baru Hulu", "Mentawa Baru Hilir", "Ketapang", "Sawahan", "Pasir Putih"]),
    ("Mentaya Hilir Utara", ["Bagendang Hilir", "Bagendang Tengah", "Bagendang Permai", "Pelangsian"]),
    ("Mentaya Hilir Selatan", ["Samuda Kecil", "Samuda Besar", "Samuda Kota", "Basawang", "Jaya Kelapa"]),
    ("Pulau Hanaut", ["Bapinang Hilir", "Bapinang Hulu", "Hanaut", "Babirah", "Serambut"]),
    ("Antang Kalang", ["Tumbang Kalang", "Tumbang Ngahan", "Sungai Puring", "Kuluk Telawang"]),
    ("Teluk Sampit", ["Ujung Pandaran", "Lempuyang", "Parebok", "Regei Lestari"]),
    ("Seranau", ["Mentaya Seberang", "Terantang", "Ganepo", "Batuah"]),
    ("Cempaga Hulu", ["Pundu", "Tumbang Koling", "Luwuk Ranggan", "Bukit Raya"]),
    ("Telawang", ["Sebabi", "Kenyala", "Biru Maju", "Tanah Putih"]),
    ("Bukit Santuai", ["Tumbang Penyahuan", "Tumbang Torung", "Sungai Hanya", "Tewai Hara"]),
    ("Tualan Hulu", ["Tumbang Manya", "Luwuk Sampun", "Pantap", "Tanjung Jorong"]),
    ("Telaga Antang", ["Telaga Baru", "Sumber Makmur", "Batu Agung", "Tumbang Boloi"]),
]

AGENCIES = [
    ("1.06.01", "Dinas Sosial", "Dinsos"),
    ("1.02.01", "Dinas Kesehatan", "Dinkes"),
    ("1.01.01", "Dinas Pendidikan", "Disdik"),
    ("1.03.01", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
    ("1.04.01", "Dinas Perumahan Rakyat dan Kawasan Permukiman", "Disperkim"),
    ("2.17.01", "Dinas Koperasi, Usaha Kecil dan Menengah", "Diskop UKM"),
    ("3.31.01", "Dinas Perindustrian dan Perdagangan", "Disperindag"),
    ("2.09.01", "Dinas Ketahanan Pangan", "DKP"),
    ("3.27.01", "Dinas Pertanian", "Distan"),
    ("2.07.01", "Dinas Tenaga Kerja dan Transmigrasi", "Disnakertrans"),
    ("2.12.01", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil"),
    ("2.13.01", "Dinas Pemberdayaan Masyarakat dan Desa", "DPMD"),
    ("3.25.01", "Dinas Perikanan", "Diskan"),
    ("5.01.01", "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah", "Bapperida"),
]

COMPANIES = [
    ("PT Agro Mentaya Lestari", "Perkebunan kelapa sawit", "Jl. Jenderal Sudirman Km 6, Sampit", "Budi Santoso"),
    ("PT Sampit Sawit Makmur", "Perkebunan kelapa sawit", "Jl. Tjilik Riwut Km 3, Sampit", "Rina Wulandari"),
    ("PT Borneo Bauksit Mineral", "Pertambangan", "Jl. MT Haryono 12, Sampit", "Agus Prasetyo"),
    ("PT Bank Kalteng Cabang Sampit", "Perbankan", "Jl. A. Yani 45, Sampit", "Dewi Lestari"),
    ("PT Pelabuhan Sampit Sejahtera", "Jasa kepelabuhanan", "Jl. Usman Harun 1, Sampit", "Hendra Gunawan"),
    ("PT Hutan Tanaman Katingan", "Kehutanan", "Jl. Pelita 21, Sampit", "Siti Aminah"),
]

LARGE_AGENCY_WORDS = ["Kecamatan", "UPT", "Badan", "Bagian", "Kantor"]


def _regions(ctx) -> None:
    kab = Region(code=KABUPATEN[0], name=KABUPATEN[1], level="kabupaten")
    db.session.add(kab)
    db.session.flush()
    kecamatan_ids, desa_ids = [], []
    for i, (kec_name, desa_names) in enumerate(KECAMATAN, start=1):
        kec = Region(code=f"{KABUPATEN[0]}.{i:02d}", name=kec_name, level="kecamatan", parent_id=kab.id)
        db.session.add(kec)
        db.session.flush()
        kecamatan_ids.append(kec.id)
        for j, desa_name in enumerate(desa_names, start=1):
            desa = Region(code=f"{kec.code}.{2000 + j}", name=desa_name, level="desa", parent_id=kec.id)
            db.session.add(desa)
            desa_ids.append(desa)
    db.session.flush()
    ctx.data["kabupaten_id"] = kab.id
    ctx.data["kecamatan_ids"] = kecamatan_ids
    ctx.data["desa_ids"] = [d.id for d in desa_ids]


def _agencies(ctx) -> None:
    rows = list(AGENCIES)
    if ctx.large:
        n = 0
        while len(rows) < 60:
            n += 1
            word = LARGE_AGENCY_WORDS[n % len(LARGE_AGENCY_WORDS)]
            rows.append((f"9.{n:02d}.01", f"{word} Pelaksana {n:02d}", f"{word} {n:02d}"))
    agencies = [Agency(code=c, name=n, short_name=s) for c, n, s in rows]
    db.session.add_all(agencies)
    db.session.flush()
    ctx.data["agency_ids"] = [a.id for a in agencies]
    ctx.data["agencies_by_short"] = {a.short_name: a.id for a in agencies}


def _companies(ctx) -> None:
    rows = list(COMPANIES)
    if ctx.large:
        sectors = ["Perkebunan kelapa sawit", "Pertambangan", "Perbankan", "Kehutanan", "Perdagangan"]
        for n in range(len(rows) + 1, 151):
            rows.append((f"PT Mitra Usaha {n:03d}", sectors[n % len(sectors)], f"Jl. Contoh No. {n}, Sampit", f"Kontak {n:03d}"))
    companies = [
        Company(name=name, sector=sector, address=address, contact_name=contact,
                contact_email=f"csr{i}@contoh.co.id")
        for i, (name, sector, address, contact) in enumerate(rows, start=1)
    ]
    db.session.add_all(companies)
    db.session.flush()
    ctx.data["company_ids"] = [c.id for c in companies]


def load(ctx) -> None:
    _regions(ctx)
    _agencies(ctx)
    _companies(ctx)
    for year in ctx.years + [ctx.current_year + 1]:
        ensure_year(year)
    ctx.echo(f"Wilayah, {len(ctx.data['agency_ids'])} OPD, {len(ctx.data['company_ids'])} perusahaan, triwulan {ctx.years[0]}–{ctx.current_year + 1}.")
