"""Demo data of the plans feature: Rencana Aksi of the Kotawaringin Timur OPDs.

Rows go in with bulk inserts (``insert(...).returning``), so the large demo (60 OPDs, 3,000
activities a year, 5 years) loads in seconds.  The current year's plans are agreed for most OPDs;
earlier years are all agreed.  Each plan was drafted in November and agreed in December of the year
before; the APBD-P revisions are dated mid-September, so they appear once that date has passed (the
small demo's named revisions go to the latest demo year whose APBD-P is behind ``today``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import insert, select

from tracker.extensions import db
from tracker.plans.models import Activity, BudgetRevision, Indicator, Plan, activity_region
from tracker.reference.models import Agency, Region

JUTA = 1_000_000

# short name -> [(program, kegiatan, sub-kegiatan code, sub-kegiatan, strategy, funding, budget in juta,
#                 beneficiaries, unit, indicator, indicator unit, aggregation, annual target)]
CATALOGUE: dict[str, list[tuple]] = {
    "Dinsos": [
        ("Program Rehabilitasi Sosial", "Rehabilitasi Sosial Dasar Penyandang Disabilitas, Anak, Lanjut Usia Terlantar di Luar Panti",
         "1.06.04.2.02.0001", "Penyediaan Permakanan", "S1", "APBD_KAB", 850, 400, "jiwa",
         "Lansia terlantar yang menerima permakanan", "jiwa", "sum", 400),
        ("Program Rehabilitasi Sosial", "Rehabilitasi Sosial Dasar Penyandang Disabilitas, Anak, Lanjut Usia Terlantar di Luar Panti",
         "1.06.04.2.02.0004", "Pemberian Alat Bantu bagi Penyandang Disabilitas", "S1", "APBD_KAB", 320, 150, "jiwa",
         "Penyandang disabilitas yang menerima alat bantu", "jiwa", "sum", 150),
        ("Program Perlindungan dan Jaminan Sosial", "Pengelolaan Data Fakir Miskin Cakupan Daerah Kabupaten/Kota",
         "1.06.05.2.01.0001", "Verifikasi dan Validasi Data DTSEN by Name by Address", "S1", "APBD_KAB", 450, 12000, "KK",
         "Keluarga miskin terverifikasi by name by address", "KK", "sum", 12000),
        ("Program Perlindungan dan Jaminan Sosial", "Pemberdayaan Sosial Keluarga Fakir Miskin",
         "1.06.05.2.02.0002", "Bantuan Pengembangan Usaha Ekonomi Produktif (KUBE) Keluarga Miskin", "S2", "APBD_KAB", 600, 40, "kelompok",
         "Kelompok usaha bersama yang dibina", "kelompok", "sum", 40),
        ("Program Perlindungan dan Jaminan Sosial", "Pemberdayaan Sosial Keluarga Fakir Miskin",
         "1.06.05.2.02.0003", "Pemberian Bantuan Sosial Sembako bagi Keluarga Miskin Ekstrem", "S1", "APBD_PROV", 1250, 1500, "KK",
         "Keluarga miskin ekstrem penerima bantuan sembako", "KK", "sum", 1500),
        ("Program Penanganan Bencana", "Perlindungan Sosial Korban Bencana Alam dan Sosial",
         "1.06.06.2.01.0002", "Penyediaan Kebutuhan Dasar Korban Banjir", "S1", "APBD_KAB", 275, 800, "KK",
         "Keluarga korban banjir yang terlayani", "KK", "sum", 800),
    ],
    "Dinkes": [
        ("Program Pemenuhan Upaya Kesehatan Perorangan dan Masyarakat", "Penyediaan Layanan Kesehatan UKM dan UKP Kabupaten/Kota",
         "1.02.02.2.02.0001", "Pengelolaan Pelayanan Kesehatan Ibu Hamil", "S1", "APBD_KAB", 520, 3200, "jiwa",
         "Ibu hamil keluarga miskin yang mendapat pelayanan K4", "%", "last", 95),
        ("Program Pemenuhan Upaya Kesehatan Perorangan dan Masyarakat", "Penyediaan Layanan Kesehatan UKM dan UKP Kabupaten/Kota",
         "1.02.02.2.02.0003", "Pengelolaan Pelayanan Kesehatan Balita", "S1", "APBD_KAB", 430, 5000, "jiwa",
         "Balita keluarga miskin yang dipantau tumbuh kembangnya", "jiwa", "sum", 5000),
        ("Program Pemenuhan Upaya Kesehatan Perorangan dan Masyarakat", "Penyediaan Layanan Kesehatan UKM dan UKP Kabupaten/Kota",
         "1.02.02.2.02.0017", "Pengelolaan Pelayanan Gizi Masyarakat (PMT Balita Stunting)", "S1", "DAK", 980, 1200, "jiwa",
         "Balita stunting yang menerima makanan tambahan", "jiwa", "sum", 1200),
        ("Program Pemenuhan Upaya Kesehatan Perorangan dan Masyarakat", "Penyediaan Layanan Kesehatan UKM dan UKP Kabupaten/Kota",
         "1.02.02.2.02.0020", "Pengelolaan Jaminan Kesehatan Masyarakat (PBI Daerah)", "S1", "APBD_KAB", 1950, 18000, "jiwa",
         "Penduduk miskin yang iurannya dibayar daerah", "jiwa", "last", 18000),
        ("Program Pemberdayaan Masyarakat Bidang Kesehatan", "Pelaksanaan Sehat dalam Rangka Promotif Preventif",
         "1.02.05.2.01.0001", "Peningkatan Upaya Promosi Kesehatan (Sanitasi Total Berbasis Masyarakat)", "S3", "APBD_KAB", 210, 25, "unit",
         "Desa yang mencapai stop buang air besar sembarangan", "desa", "sum", 25),
    ],
    "Disdik": [
        ("Program Pengelolaan Pendidikan", "Pengelolaan Pendidikan Sekolah Dasar",
         "1.01.02.2.02.0013", "Penyediaan Perlengkapan Peserta Didik Sekolah Dasar dari Keluarga Miskin", "S1", "APBD_KAB", 640, 2500, "jiwa",
         "Siswa SD keluarga miskin yang menerima seragam dan perlengkapan", "jiwa", "sum", 2500),
        ("Program Pengelolaan Pendidikan", "Pengelolaan Pendidikan Sekolah Menengah Pertama",
         "1.01.02.2.03.0013", "Pemberian Beasiswa bagi Siswa SMP dari Keluarga Miskin", "S1", "APBD_KAB", 720, 1200, "jiwa",
         "Siswa SMP keluarga miskin penerima beasiswa", "jiwa", "sum", 1200),
        ("Program Pengelolaan Pendidikan", "Pengelolaan Pendidikan Sekolah Dasar",
         "1.01.02.2.02.0004", "Pembangunan Ruang Kelas Baru di Daerah Terpencil", "S3", "DAK", 1850, 12, "unit",
         "Ruang kelas baru yang dibangun", "unit", "sum", 12),
        ("Program Pengelolaan Pendidikan", "Pengelolaan Pendidikan Nonformal/Kesetaraan",
         "1.01.02.2.05.0009", "Penyelenggaraan Pendidikan Kesetaraan Paket A, B dan C", "S2", "APBD_KAB", 300, 350, "jiwa",
         "Warga belajar keluarga miskin yang lulus kesetaraan", "jiwa", "sum", 350),
    ],
    "Dinas PUPR": [
        ("Program Pengelolaan dan Pengembangan Sistem Penyediaan Air Minum", "Pengelolaan dan Pengembangan SPAM Kabupaten/Kota",
         "1.03.03.2.01.0012", "Pembangunan SPAM Jaringan Perpipaan di Kawasan Perdesaan", "S3", "DAK", 1980, 600, "KK",
         "Sambungan rumah air minum baru bagi keluarga miskin", "SR", "sum", 600),
        ("Program Pengelolaan dan Pengembangan Sistem Air Limbah", "Pengelolaan dan Pengembangan Sistem Air Limbah Domestik",
         "1.03.05.2.01.0002", "Pembangunan Sistem Pengelolaan Air Limbah Domestik Setempat", "S3", "DAK", 1450, 250, "KK",
         "Jamban sehat individual yang dibangun", "unit", "sum", 250),
        ("Program Penyelenggaraan Jalan", "Penyelenggaraan Jalan Kabupaten/Kota",
         "1.03.10.2.01.0027", "Rehabilitasi Jalan Poros Desa Kantong Kemiskinan", "S3", "APBD_KAB", 1750, 0, "KK",
         "Panjang jalan poros desa yang direhabilitasi", "km", "sum", 8.5),
        ("Program Pengelolaan Sumber Daya Air", "Pengelolaan SDA dan Bangunan Pengaman Pantai",
         "1.03.02.2.01.0010", "Rehabilitasi Jaringan Irigasi Tersier Daerah Rawa", "S2", "APBD_KAB", 880, 320, "KK",
         "Luas sawah yang kembali terairi", "ha", "sum", 410),
    ],
    "Disperkim": [
        ("Program Pengembangan Perumahan", "Penyediaan dan Rehabilitasi Rumah Korban Bencana atau Relokasi",
         "1.04.02.2.01.0003", "Bedah Rumah Tidak Layak Huni bagi Keluarga Miskin", "S1", "APBD_KAB", 1900, 95, "unit",
         "Rumah tidak layak huni yang diperbaiki", "unit", "sum", 95),
        ("Program Pengembangan Perumahan", "Penyediaan dan Rehabilitasi Rumah Korban Bencana atau Relokasi",
         "1.04.02.2.01.0005", "Bedah Rumah Tidak Layak Huni Dana Provinsi", "S1", "APBD_PROV", 1200, 60, "unit",
         "Rumah tidak layak huni yang diperbaiki", "unit", "sum", 60),
        ("Program Kawasan Permukiman", "Penataan Kawasan Permukiman Kumuh dengan Luas di Bawah 10 Ha",
         "1.04.03.2.02.0001", "Peningkatan Kualitas Kawasan Permukiman Kumuh", "S3", "APBD_KAB", 1350, 420, "KK",
         "Luas kawasan kumuh yang ditangani", "ha", "sum", 6.5),
        ("Program Peningkatan Prasarana, Sarana dan Utilitas Umum", "Urusan Penyelenggaraan PSU Perumahan",
         "1.04.05.2.01.0001", "Penyediaan Prasarana, Sarana dan Utilitas Umum di Perumahan MBR", "S3", "DAK", 780, 180, "KK",
         "Unit PSU yang dibangun", "unit", "sum", 14),
    ],
    "Diskop UKM": [
        ("Program Pemberdayaan Usaha Menengah, Usaha Kecil, dan Usaha Mikro", "Pemberdayaan Usaha Mikro yang Dilakukan melalui Pendataan, Kemitraan, Kemudahan Perizinan",
         "2.17.07.2.01.0002", "Pelatihan Kewirausahaan bagi Usaha Mikro Keluarga Miskin", "S2", "APBD_KAB", 420, 200, "jiwa",
         "Pelaku usaha mikro yang dilatih", "jiwa", "sum", 200),
        ("Program Pemberdayaan Usaha Menengah, Usaha Kecil, dan Usaha Mikro", "Pengembangan Usaha Mikro dengan Orientasi Peningkatan Skala Usaha",
         "2.17.07.2.02.0003", "Fasilitasi Akses Pembiayaan KUR bagi Usaha Mikro", "S2", "APBD_KAB", 180, 300, "unit",
         "Usaha mikro yang memperoleh akses pembiayaan", "unit", "sum", 300),
        ("Program Pemberdayaan Usaha Menengah, Usaha Kecil, dan Usaha Mikro", "Pengembangan Usaha Mikro dengan Orientasi Peningkatan Skala Usaha",
         "2.17.07.2.02.0001", "Pendampingan dan Pemberian Alat Usaha bagi Usaha Mikro", "S2", "CSR", 350, 120, "unit",
         "Usaha mikro yang menerima alat usaha", "unit", "sum", 120),
    ],
    "Distan": [
        ("Program Penyediaan dan Pengembangan Sarana Pertanian", "Pengawasan Penggunaan Sarana Pendukung Pertanian",
         "3.27.03.2.01.0002", "Penyediaan Benih Padi Unggul bagi Petani Miskin", "S2", "APBD_KAB", 560, 700, "KK",
         "Petani miskin penerima benih unggul", "KK", "sum", 700),
        ("Program Penyediaan dan Pengembangan Sarana Pertanian", "Pengelolaan Sumber Daya Genetik Hewan, Tumbuhan dan Mikro Organisme",
         "3.27.03.2.02.0001", "Penyediaan Bibit Ternak Ayam Kampung untuk Keluarga Miskin", "S2", "APBD_KAB", 390, 250, "KK",
         "Keluarga miskin penerima bibit ternak", "KK", "sum", 250),
        ("Program Penyediaan dan Pengembangan Prasarana Pertanian", "Pembangunan Prasarana Pertanian",
         "3.27.04.2.01.0003", "Pembangunan Jalan Usaha Tani", "S3", "DAK", 1100, 450, "KK",
         "Panjang jalan usaha tani yang dibangun", "km", "sum", 6),
        ("Program Penyuluhan Pertanian", "Pelaksanaan Penyuluhan Pertanian",
         "3.27.07.2.01.0001", "Penyuluhan dan Pendampingan Kelompok Tani Miskin", "S2", "APBD_KAB", 150, 60, "kelompok",
         "Kelompok tani yang didampingi", "kelompok", "sum", 60),
    ],
    "DPMD": [
        ("Program Pemberdayaan Lembaga Kemasyarakatan, Lembaga Adat dan Masyarakat Hukum Adat", "Pemberdayaan Lembaga Kemasyarakatan Tingkat Daerah",
         "2.13.05.2.01.0002", "Pembinaan dan Pengembangan Badan Usaha Milik Desa", "S2", "APBD_KAB", 260, 30, "unit",
         "BUMDes aktif yang dibina", "unit", "sum", 30),
        ("Program Administrasi Pemerintahan Desa", "Pembinaan dan Pengawasan Penyelenggaraan Administrasi Pemerintahan Desa",
         "2.13.04.2.01.0004", "Fasilitasi Padat Karya Tunai Desa", "S2", "DANA_DESA", 1600, 2000, "jiwa",
         "Warga miskin yang bekerja pada padat karya tunai", "jiwa", "sum", 2000),
        ("Program Administrasi Pemerintahan Desa", "Pembinaan dan Pengawasan Penyelenggaraan Administrasi Pemerintahan Desa",
         "2.13.04.2.01.0006", "Fasilitasi BLT Dana Desa bagi Keluarga Miskin Ekstrem", "S1", "DANA_DESA", 1980, 1800, "KK",
         "Keluarga miskin ekstrem penerima BLT Dana Desa", "KK", "last", 1800),
    ],
    "Disnakertrans": [
        ("Program Pelatihan Kerja dan Produktivitas Tenaga Kerja", "Pelaksanaan Pelatihan berdasarkan Unit Kompetensi",
         "2.07.02.2.01.0001", "Pelatihan Berbasis Kompetensi bagi Pencari Kerja Keluarga Miskin", "S2", "APBD_KAB", 480, 160, "jiwa",
         "Peserta pelatihan yang lulus uji kompetensi", "jiwa", "sum", 160),
        ("Program Penempatan Tenaga Kerja", "Pelayanan Antar Kerja di Daerah Kabupaten/Kota",
         "2.07.03.2.01.0002", "Bursa Kerja dan Penempatan Tenaga Kerja Lokal", "S2", "APBD_KAB", 140, 250, "jiwa",
         "Pencari kerja yang ditempatkan", "jiwa", "sum", 250),
    ],
    "DKP": [
        ("Program Peningkatan Diversifikasi dan Ketahanan Pangan Masyarakat", "Penyediaan dan Penyaluran Pangan Pokok",
         "2.09.02.2.01.0002", "Penyaluran Cadangan Pangan Pemerintah Daerah bagi Rawan Pangan", "S1", "APBD_KAB", 540, 1100, "KK",
         "Keluarga rawan pangan yang menerima cadangan beras", "KK", "sum", 1100),
        ("Program Peningkatan Diversifikasi dan Ketahanan Pangan Masyarakat", "Pelaksanaan Pencapaian Target Konsumsi Pangan",
         "2.09.03.2.01.0003", "Pengembangan Pekarangan Pangan Lestari", "S2", "APBD_KAB", 230, 20, "kelompok",
         "Kelompok wanita tani pekarangan pangan lestari", "kelompok", "sum", 20),
    ],
    "Disdukcapil": [
        ("Program Pendaftaran Penduduk", "Pelayanan Pendaftaran Penduduk",
         "2.12.02.2.01.0003", "Perekaman KTP-el dan KK bagi Penduduk Miskin di Desa Terpencil", "S1", "APBD_KAB", 190, 3000, "jiwa",
         "Penduduk miskin yang memiliki NIK valid", "jiwa", "sum", 3000),
    ],
    "Diskan": [
        ("Program Pengelolaan Perikanan Tangkap", "Pemberdayaan Nelayan Kecil dalam Daerah Kabupaten/Kota",
         "3.25.03.2.01.0001", "Pemberian Alat Tangkap Ramah Lingkungan bagi Nelayan Kecil", "S2", "APBD_KAB", 420, 150, "KK",
         "Nelayan kecil penerima alat tangkap", "KK", "sum", 150),
        ("Program Pengelolaan Perikanan Budidaya", "Pemberdayaan Pembudi Daya Ikan Kecil",
         "3.25.04.2.01.0002", "Bantuan Benih dan Pakan Ikan bagi Pembudi Daya Kecil", "S2", "APBD_KAB", 310, 90, "KK",
         "Pembudi daya ikan kecil yang dibantu", "KK", "sum", 90),
    ],
    "Disperindag": [
        ("Program Pengembangan Industri", "Pembinaan Industri Kecil dan Menengah",
         "3.31.03.2.01.0001", "Pelatihan dan Sertifikasi Produk Industri Kecil Rumah Tangga", "S2", "APBD_KAB", 270, 80, "unit",
         "IKM yang memperoleh sertifikat produk", "unit", "sum", 80),
        ("Program Stabilisasi Harga Barang Kebutuhan Pokok", "Menjamin Ketersediaan Barang Kebutuhan Pokok",
         "3.31.05.2.01.0002", "Operasi Pasar Murah di Kecamatan Kantong Kemiskinan", "S1", "APBD_KAB", 330, 2400, "KK",
         "Keluarga miskin yang terlayani pasar murah", "KK", "sum", 2400),
    ],
}

# Plans of the current year left in draft (the others are agreed), and the APBD-P revisions (in the
# latest demo year whose APBD-P date has passed).
DRAFT_IN_CURRENT_YEAR = {"Disperindag", "Diskan"}
REVISIONS = [
    ("Dinsos", "1.06.05.2.02.0003", 1.2, "APBD-P: tambahan alokasi bantuan sembako akibat kenaikan harga beras."),
    ("Disperkim", "1.04.02.2.01.0003", 1.15, "APBD-P: tambahan 15 unit RTLH dari hasil verifikasi lapangan."),
    ("Dinas PUPR", "1.03.10.2.01.0027", 0.8, "APBD-P: efisiensi anggaran dan penyesuaian volume pekerjaan."),
]
# Kecamatan (1-based position in the demo list) where most poverty pockets are.
POCKETS = [9, 8, 11, 1, 4, 10, 15, 16]

LARGE_PROGRAMS = [
    ("Program Pemberdayaan Ekonomi Masyarakat", "S2"), ("Program Perlindungan Sosial", "S1"),
    ("Program Infrastruktur Dasar Perdesaan", "S3"), ("Program Peningkatan Layanan Dasar", "S1"),
    ("Program Peningkatan Pendapatan Keluarga", "S2"), ("Program Penanganan Kawasan Kantong Kemiskinan", "S3"),
]
LARGE_ACTIONS = ["Bantuan", "Pelatihan", "Pembangunan", "Pendampingan", "Penyediaan", "Fasilitasi", "Rehabilitasi"]
LARGE_OBJECTS = ["Rumah Tidak Layak Huni", "Air Bersih", "Usaha Mikro", "Kelompok Tani", "Nelayan Kecil",
                 "Jamban Sehat", "Balita Stunting", "Lansia Terlantar", "Siswa Miskin", "Jalan Desa",
                 "Pangan Keluarga Miskin", "BUMDes"]
FUNDING_WEIGHTS = [("APBD_KAB", 60), ("DAK", 12), ("APBD_PROV", 10), ("APBN", 6), ("DANA_DESA", 7), ("CSR", 4),
                   ("OTHER", 1)]


def _quarters(rng, target: float, aggregation: str) -> list[float]:
    if aggregation == "last":
        return [round(target * f, 2) for f in (0.25, 0.5, 0.75, 1.0)]
    if float(target).is_integer() and target >= 4:
        shares = [rng.randint(15, 35) for _ in range(4)]
        parts = [int(target * s / sum(shares)) for s in shares]
        parts[-1] += int(target) - sum(parts)
        return [float(p) for p in parts]
    return [round(target / 4, 2)] * 3 + [round(target - 3 * round(target / 4, 2), 2)]


class _Batch:
    """Rows collected for one bulk insert per table."""

    def __init__(self):
        self.activities: list[dict] = []
        self.indicators: list[list[dict]] = []
        self.regions: list[list[int]] = []
        self.revisions: list[list[dict]] = []

    def add(self, activity: dict, indicators: list[dict], regions: list[int], revisions: list[dict] | None = None):
        self.activities.append(activity)
        self.indicators.append(indicators)
        self.regions.append(regions)
        self.revisions.append(revisions or [])

    def write(self) -> list[int]:
        if not self.activities:
            return []
        ids = list(db.session.scalars(
            insert(Activity).returning(Activity.id, sort_by_parameter_order=True), self.activities))
        indicator_rows, region_rows, revision_rows = [], [], []
        for activity_id, inds, regs, revs in zip(ids, self.indicators, self.regions, self.revisions):
            indicator_rows += [{**ind, "activity_id": activity_id} for ind in inds]
            region_rows += [{"activity_id": activity_id, "region_id": r} for r in regs]
            revision_rows += [{**rev, "activity_id": activity_id} for rev in revs]
        if indicator_rows:
            db.session.execute(insert(Indicator), indicator_rows)
        if region_rows:
            db.session.execute(insert(activity_region), region_rows)
        if revision_rows:
            db.session.execute(insert(BudgetRevision), revision_rows)
        return ids


def _regions(ctx, rng, beneficiaries: int) -> list[int]:
    kecamatan = ctx.data["kecamatan_ids"]
    desa_by_kec = ctx.data.setdefault("_desa_by_kec", _desa_by_kecamatan(ctx))
    pockets = [kecamatan[i - 1] for i in POCKETS if i - 1 < len(kecamatan)] or kecamatan
    pool = pockets if rng.random() < 0.7 else kecamatan
    picked = rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 2, 3])))
    out = []
    for kec in picked:
        desa = desa_by_kec.get(kec, [])
        if desa and rng.random() < 0.4:
            out += rng.sample(desa, k=min(len(desa), rng.choice([1, 2])))
        else:
            out.append(kec)
    return sorted(set(out))


def _desa_by_kecamatan(ctx) -> dict[int, list[int]]:
    rows = db.session.execute(select(Region.id, Region.parent_id).where(Region.id.in_(ctx.data["desa_ids"])))
    out: dict[int, list[int]] = {}
    for region_id, parent_id in rows:
        out.setdefault(parent_id, []).append(region_id)
    return out


def _indicator(rng, name, unit, aggregation, target) -> dict:
    q = _quarters(rng, float(target), aggregation)
    return {"position": 0, "name": name, "unit": unit, "aggregation": aggregation, "target": float(target),
            "target_q1": q[0], "target_q2": q[1], "target_q3": q[2], "target_q4": q[3]}


@dataclass(frozen=True)
class _Dates:
    """When each step of a year's plan happened, never after the demo's ``now``."""

    now: datetime

    def created(self, year: int) -> datetime:
        return min(datetime(year - 1, 11, 3, 2, 0, tzinfo=UTC), self.now)

    def agreed(self, year: int) -> datetime:
        return min(datetime(year - 1, 12, 20, 3, 0, tzinfo=UTC), self.now)

    def apbdp(self, year: int) -> datetime:
        return datetime(year, 9, 15, 2, 0, tzinfo=UTC)

    def revised(self, year: int) -> bool:
        return self.apbdp(year) < self.now


def _small(ctx, dates: _Dates) -> tuple[dict, list[dict]]:
    rng = ctx.rng
    agencies = ctx.data["agencies_by_short"]
    ids_by_year: dict[int, list[int]] = {}
    plans = []
    revision_year = max((y for y in ctx.years if dates.revised(y)), default=None)
    for year in ctx.years:
        batch = _Batch()
        factor = 1.0 if year == ctx.current_year else 0.9
        for short, items in CATALOGUE.items():
            agency_id = agencies.get(short)
            if agency_id is None:
                continue
            current_draft = year == ctx.current_year and short in DRAFT_IN_CURRENT_YEAR
            plans.append({"agency_id": agency_id, "year": year, "status": "draft" if current_draft else "agreed",
                          "agreed_at": None if current_draft else dates.agreed(year), "note": "", "version": 1})
            for (program, kegiatan, code, name, strategy, funding, juta, benef, unit,
                 ind_name, ind_unit, aggregation, target) in items:
                budget = int(round(juta * factor * rng.uniform(0.95, 1.05), 1) * JUTA) // 1000 * 1000
                activity = {"agency_id": agency_id, "year": year, "program": program, "kegiatan": kegiatan,
                            "code": code, "name": name, "strategy": strategy, "funding_source": funding,
                            "budget": budget, "budget_revised": None, "target_beneficiaries": benef,
                            "beneficiary_unit": unit, "created_at": dates.created(year),
                            "updated_at": dates.created(year), "version": 1}
                indicators = [_indicator(rng, ind_name, ind_unit, aggregation, target)]
                if benef and ind_unit != unit:
                    second = _indicator(rng, "Penerima manfaat yang terlayani", unit, "sum", benef)
                    second["position"] = 1
                    indicators.append(second)
                revisions = []
                for rev_short, rev_code, ratio, reason in REVISIONS:
                    if year == revision_year and rev_short == short and rev_code == code:
                        new = int(budget * ratio) // 1000 * 1000
                        activity["budget_revised"] = new
                        revisions.append({"old_budget": budget, "new_budget": new, "reason": reason,
                                          "created_at": dates.apbdp(year)})
                        activity["updated_at"] = dates.apbdp(year)
                batch.add(activity, indicators, _regions(ctx, rng, benef), revisions)
        ids_by_year[year] = batch.write()
    return ids_by_year, plans


def _large(ctx, dates: _Dates) -> tuple[dict, list[dict]]:
    rng = ctx.rng
    agency_ids = ctx.data["agency_ids"]
    funding_pool = [code for code, weight in FUNDING_WEIGHTS for _ in range(weight)]
    per_agency = 3000 // len(agency_ids)
    extra = 3000 - per_agency * len(agency_ids)
    prefixes = {i: ".".join(c.split(".")[:2]) for i, c in db.session.execute(select(Agency.id, Agency.code))}
    ids_by_year: dict[int, list[int]] = {}
    plans = []
    for year in ctx.years:
        batch = _Batch()
        for n, agency_id in enumerate(agency_ids):
            prefix = prefixes.get(agency_id, "9.99")
            draft = year == ctx.current_year and n % 6 == 5
            plans.append({"agency_id": agency_id, "year": year, "status": "draft" if draft else "agreed",
                          "agreed_at": None if draft else dates.agreed(year), "note": "", "version": 1})
            for k in range(per_agency + (1 if n < extra else 0)):
                program, strategy = LARGE_PROGRAMS[(n + k) % len(LARGE_PROGRAMS)]
                action, obj = rng.choice(LARGE_ACTIONS), rng.choice(LARGE_OBJECTS)
                budget = rng.randint(50, 2000) * JUTA
                benef = rng.randint(10, 2000)
                unit = rng.choice(("KK", "jiwa", "unit", "kelompok"))
                revised = None
                if not draft and rng.random() < 0.08 and dates.revised(year):
                    revised = int(budget * rng.choice((0.85, 0.9, 1.1, 1.2)))
                activity = {"agency_id": agency_id, "year": year, "program": program,
                            "kegiatan": f"Kegiatan {action} {obj}",
                            "code": f"{prefix}.{k // 10 + 1:02d}.2.{k % 10 + 1:02d}.{k + 1:04d}",
                            "name": f"{action} {obj} Tahap {k % 3 + 1}", "strategy": strategy,
                            "funding_source": rng.choice(funding_pool), "budget": budget, "budget_revised": revised,
                            "target_beneficiaries": benef, "beneficiary_unit": unit,
                            "created_at": dates.created(year),
                            "updated_at": dates.apbdp(year) if revised is not None else dates.created(year),
                            "version": 1}
                indicators = [_indicator(rng, f"{obj} yang ditangani", unit, "sum", benef)]
                if k % 3 == 0:
                    second = _indicator(rng, f"Persentase {obj.lower()} tertangani", "%", "last",
                                        rng.choice((80, 90, 100)))
                    second["position"] = 1
                    indicators.append(second)
                revisions = [{"old_budget": budget, "new_budget": revised, "reason": "APBD-P: penyesuaian pagu.",
                              "created_at": dates.apbdp(year)}] if revised is not None else []
                batch.add(activity, indicators, _regions(ctx, rng, benef), revisions)
        ids_by_year[year] = batch.write()
    return ids_by_year, plans


def load(ctx) -> None:
    started = time.perf_counter()
    ids_by_year, plans = (_large if ctx.large else _small)(ctx, _Dates(now=ctx.now))
    if plans:
        db.session.execute(insert(Plan), plans)
    ctx.data["activity_ids_by_year"] = ids_by_year
    ctx.data.pop("_desa_by_kec", None)
    total = sum(len(v) for v in ids_by_year.values())
    ctx.echo(f"Rencana aksi: {total} kegiatan dalam {len(plans)} rencana OPD "
             f"({time.perf_counter() - started:.1f} detik).")
