"""The demo's CSR (TJSL) programs: what companies around Sampit typically fund — palm-oil plantations,
mining, banks, the port, forestry — clean water, stunting, UMKM, scholarships, village roads."""

from __future__ import annotations

# Companies the CSR section adds to the small demo's six (name, sector, address, contact).
EXTRA_COMPANIES = [
    ("PT Zirkon Mentaya Hulu", "Pertambangan", "Jl. Jenderal Sudirman Km 12, Sampit", "Yohanes Dwi Saputra"),
    ("PT BPR Kotim Sejahtera", "Perbankan", "Jl. DI Panjaitan 8, Sampit", "Nur Aisyah"),
]

# company -> [(title, description, strategy, amount in juta, beneficiary unit, beneficiaries per
#              contribution, regions [(kecamatan no, desa no or None)], supported OPD activity
#              (short name, sub-kegiatan code) or None, in-kind description or None (None: cash))]
PROGRAMS: dict[str, list[tuple]] = {
    "PT Agro Mentaya Lestari": [
        ("Penyediaan Air Bersih Desa Sekitar Kebun", "Sumur bor, tandon dan jaringan pipa ke rumah warga desa mitra.",
         "S3", 850, "KK", 60, [(2, 1), (2, 3), (1, 4)], ("Dinas PUPR", "1.03.03.2.01.0012"), None),
        ("Pencegahan Stunting: PMT dan Posyandu Desa Mitra", "Makanan tambahan balita dan ibu hamil, alat ukur posyandu.",
         "S1", 350, "jiwa", 80, [(2, None), (1, None)], ("Dinkes", "1.02.02.2.02.0017"),
         "Paket PMT balita (biskuit, susu, telur) dan antropometri kit posyandu"),
        ("Beasiswa Anak Warga Desa Sekitar Kebun", "Beasiswa SMA/SMK dan perguruan tinggi bagi anak keluarga miskin.",
         "S1", 200, "jiwa", 25, [(2, None), (13, None)], ("Disdik", "1.01.02.2.03.0013"), None),
        ("Pengembangan UMKM Olahan Hasil Kebun", "Pelatihan, alat produksi dan kemasan bagi kelompok ibu rumah tangga.",
         "S2", 150, "kelompok", 3, [(2, 2), (2, 4)], ("Diskop UKM", "2.17.07.2.02.0001"),
         "Alat produksi keripik dan mesin sealer kemasan"),
    ],
    "PT Sampit Sawit Makmur": [
        ("Pendampingan Petani Sawit Swadaya", "Bibit bersertifikat, pupuk dan pendampingan ISPO bagi petani swadaya.",
         "S2", 1200, "KK", 45, [(4, 1), (4, 3), (16, None)], None, "Bibit sawit bersertifikat dan pupuk NPK"),
        ("Perbaikan Jalan Desa Akses Kebun", "Pengerasan jalan poros desa dan perbaikan jembatan kayu.",
         "S3", 900, "KK", 150, [(4, None), (15, 2)], ("Dinas PUPR", "1.03.10.2.01.0027"), None),
        ("Bedah Rumah Warga Miskin", "Perbaikan rumah tidak layak huni bersama pemerintah desa.",
         "S1", 300, "unit", 4, [(4, 2), (16, 1)], ("Disperkim", "1.04.02.2.01.0003"), None),
    ],
    "PT Borneo Bauksit Mineral": [
        ("Sumur Bor dan Instalasi Air Bersih Lingkar Tambang", "Instalasi pengolahan air sederhana dan hidran umum.",
         "S3", 600, "KK", 70, [(3, 1), (3, 2)], ("Dinas PUPR", "1.03.03.2.01.0012"), None),
        ("Pelatihan Keterampilan Kerja Pemuda Lingkar Tambang", "Pelatihan operator alat berat, las dan listrik.",
         "S2", 250, "jiwa", 20, [(3, None), (10, None)], ("Disnakertrans", "2.07.02.2.01.0001"), None),
        ("Bantuan Sembako Lansia dan Keluarga Miskin Ekstrem", "Paket sembako bulanan bagi keluarga miskin ekstrem.",
         "S1", 180, "KK", 120, [(3, None)], ("Dinsos", "1.06.05.2.02.0003"),
         "Paket sembako (beras 10 kg, minyak goreng 2 L, gula 2 kg, telur 1 tray)"),
    ],
    "PT Bank Kalteng Cabang Sampit": [
        ("Literasi Keuangan dan Modal Usaha Mikro Perempuan", "Pelatihan pembukuan sederhana dan modal usaha bergulir.",
         "S2", 250, "jiwa", 40, [(5, None), (6, None)], ("Diskop UKM", "2.17.07.2.01.0002"), None),
        ("Beasiswa Siswa Berprestasi dari Keluarga Miskin", "Beasiswa SMP dan SMA bagi siswa dari keluarga desil 1–2.",
         "S1", 150, "jiwa", 30, [(5, None), (6, None), (9, None)], ("Disdik", "1.01.02.2.03.0013"), None),
    ],
    "PT Pelabuhan Sampit Sejahtera": [
        ("Alat Tangkap Ramah Lingkungan bagi Nelayan Kecil", "Jaring, perahu ketinting dan mesin tempel.",
         "S2", 200, "KK", 15, [(8, 1), (8, 3), (11, 1)], ("Diskan", "3.25.03.2.01.0001"),
         "Jaring insang dan mesin tempel 15 PK"),
        ("Jamban Sehat Kampung Pesisir", "Jamban sehat individual dan septic tank komunal.",
         "S3", 180, "KK", 20, [(9, 1), (9, 3)], ("Dinas PUPR", "1.03.05.2.01.0002"), None),
    ],
    "PT Hutan Tanaman Katingan": [
        ("Kebun Pangan Lestari Desa Hutan", "Pekarangan pangan, bibit sayur dan ternak ayam kampung.",
         "S2", 160, "kelompok", 4, [(10, None), (15, None)], ("DKP", "2.09.03.2.01.0003"),
         "Bibit sayur, polybag dan 200 ekor DOC ayam kampung"),
        ("Posyandu dan Makanan Tambahan Balita Desa Hutan", "PMT dan kader posyandu di desa terpencil.",
         "S1", 120, "jiwa", 50, [(10, 1), (15, 1)], ("Dinkes", "1.02.02.2.02.0017"), None),
    ],
    "PT Zirkon Mentaya Hulu": [
        ("Rehabilitasi Sekolah Dasar Desa Lingkar Tambang", "Atap, lantai dan bangku dua SD di hulu Mentaya.",
         "S3", 400, "sekolah", 1, [(3, 3), (12, 2)], ("Disdik", "1.01.02.2.02.0004"), None),
        ("Air Bersih Desa Hulu Mentaya", "Penampung air hujan dan filter air bagi rumah tangga.",
         "S3", 300, "KK", 50, [(12, None), (14, None)], None, "Tandon 1.100 L dan filter air rumah tangga"),
    ],
    "PT BPR Kotim Sejahtera": [
        ("Pembiayaan dan Pendampingan UMKM Kantong Kemiskinan", "Pelatihan usaha dan pinjaman lunak tanpa agunan.",
         "S2", 100, "unit", 12, [(9, None), (8, None)], ("Diskop UKM", "2.17.07.2.02.0003"), None),
    ],
}

# The large demo's generic programs (title, strategy, unit, in-kind description or None).
LARGE_PROGRAMS = [
    ("Air Bersih Desa", "S3", "KK", None), ("Pencegahan Stunting", "S1", "jiwa", "Paket makanan tambahan balita"),
    ("Beasiswa Keluarga Miskin", "S1", "jiwa", None), ("Pengembangan UMKM", "S2", "unit", "Peralatan usaha"),
    ("Perbaikan Jalan Desa", "S3", "KK", None), ("Bedah Rumah", "S1", "unit", "Bahan bangunan"),
    ("Pelatihan Kerja Pemuda", "S2", "jiwa", None), ("Sembako Keluarga Miskin Ekstrem", "S1", "KK", "Paket sembako"),
]

RETURN_COMMENTS = [
    "Lampirkan bukti transfer atau kuitansi dan berita acara serah terima.",
    "Nilai taksiran barang natura perlu rincian harga satuan.",
    "Jumlah penerima manfaat berbeda dengan daftar penerima yang dilampirkan.",
    "Tanggal kontribusi tidak sesuai dengan berita acara; mohon diperbaiki.",
    "Lokasi penyaluran belum disebutkan per desa; mohon lengkapi uraian.",
]
VERIFY_NOTES = ["", "", "Sesuai bukti transfer.", "Berita acara serah terima lengkap.", ""]
REVISION_REASON = "RUPS: tambahan lima titik sumur bor atas usulan desa."
