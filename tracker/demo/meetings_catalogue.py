"""The demo's TKPK meetings and their agreements (*kesepakatan*), as the seed reports word them: verify
the P3KE and DTSEN data by desa through the camat, deadlines for the planning documents (RAT, RPKD),
which OPD does what by when, companies' CSR aligned with the poverty pockets."""

from __future__ import annotations

from tracker.meetings.models import DONE, DROPPED, EVALUASI, IN_PROGRESS, OPEN, PRA_RAKOR, RAKOR, VERVAL

KAB = "Kabupaten Kotawaringin Timur"
CHAIR = "Wakil Bupati Kotawaringin Timur selaku Ketua TKPK"
SECRETARY = "Kepala Bapperida Kotawaringin Timur selaku Sekretaris TKPK"
ASSISTANT = "Sekretaris Daerah Kabupaten Kotawaringin Timur selaku Wakil Ketua TKPK"
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}

# The TKPK's year (as in the Kaltim seed): (month, first day, last day, kind, chair, place)
SCHEDULE = [
    (1, 19, 30, EVALUASI, SECRETARY, "Aula Bapperida Kotawaringin Timur, Sampit"),
    (5, 11, 22, PRA_RAKOR, ASSISTANT, "Aula Bapperida Kotawaringin Timur, Sampit"),
    (9, 14, 25, VERVAL, SECRETARY, "Aula Dinas Sosial Kotawaringin Timur, Sampit"),
    (12, 7, 17, RAKOR, CHAIR, "Aula Sekretariat Daerah Kotawaringin Timur, Sampit"),
]


def title(kind: str, year: int) -> str:
    """The title of a meeting held in ``year``."""
    return {
        EVALUASI: f"Rapat Evaluasi Triwulan IV {year - 1} dan Penyusunan Jadwal Kegiatan TKPK Tahun {year}",
        PRA_RAKOR: f"Pra-Rakor TKPK: Evaluasi Pelaksanaan Rencana Aksi Triwulan I Tahun {year}",
        VERVAL: f"Konsolidasi dan Verifikasi-Validasi Data Kemiskinan (P3KE/DTSEN) serta Evaluasi Triwulan II "
                f"Tahun {year}",
        RAKOR: f"Rapat Koordinasi Penanggulangan Kemiskinan {KAB} Tahun {year}",
    }[kind]


def evaluates(kind: str, year: int) -> tuple[int, int]:
    """The year and quarter a meeting held in ``year`` evaluates (January looks back at last year's IV)."""
    return {EVALUASI: (year - 1, 4), PRA_RAKOR: (year, 1), VERVAL: (year, 2), RAKOR: (year, 3)}[kind]


def agenda(kind: str, year: int) -> str:
    e_year, quarter = evaluates(kind, year)
    common = [f"Pembukaan dan arahan {CHAIR if kind == RAKOR else 'Ketua/Wakil Ketua TKPK'}",
              f"Paparan capaian rencana aksi OPD triwulan {ROMAN[quarter]} {e_year} oleh Sekretariat TKPK"]
    specific = {
        EVALUASI: [(f"Penyusunan jadwal kegiatan TKPK tahun {year} (pra-Rakor Mei, konsolidasi data September, "
                   "Rakor Desember)"), f"Penyampaian Rencana Aksi Tahunan (RAT) OPD tahun {year}"],
        PRA_RAKOR: ["Paparan angka kemiskinan terbaru dan kantong kemiskinan per kecamatan",
                    "Kesiapan verifikasi data P3KE dan DTSEN per desa melalui kecamatan"],
        VERVAL: ["Hasil verifikasi dan validasi data P3KE/DTSEN per desa oleh camat dan pendamping",
                 "Pemadanan NIK dengan data kependudukan (Disdukcapil)",
                 f"Penetapan sasaran program tahun {year + 1}"],
        RAKOR: [f"Paparan BPS {KAB}: angka kemiskinan Maret {year}",
                "Integrasi program dan anggaran OPD serta program CSR perusahaan (Forum CSR)",
                f"Tindak lanjut kesepakatan rapat sebelumnya dan rencana aksi tahun {year + 1}"],
    }[kind]
    lines = common + specific + ["Diskusi dan perumusan kesepakatan", "Penutup"]
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


# The two latest meetings held show every status.  (party, text, days from the meeting to the due date
# (None: the end of a month, ten days after ``today`` at least), status (None: by its age), whether Bappeda
# confirmed it, the progress note)
SHOWCASE_OLDER = [
    ("Dinsos", ("Dinas Sosial bersama camat melakukan verifikasi dan validasi data P3KE dan DTSEN desil 1–2 by "
     "name by address per desa di kecamatan kantong kemiskinan (Pulau Hanaut, Mentaya Hilir Selatan, Teluk "
     "Sampit), dan menyampaikan hasilnya kepada Sekretariat TKPK."), 35, IN_PROGRESS, False,
     "Verifikasi selesai di 9 dari 14 desa; desa di Teluk Sampit menunggu jadwal camat dan pendamping PKH."),
    ("Disdukcapil", ("Disdukcapil memadankan NIK keluarga desil 1 DTSEN dengan data kependudukan dan menerbitkan "
     "KTP-el/KK bagi warga miskin yang belum memiliki NIK melalui layanan jemput bola."), 45, DONE, True,
     "Pemadanan NIK selesai; 136 KTP-el dan 58 KK diterbitkan lewat layanan jemput bola di tiga kecamatan."),
    ("Dinkes", ("Dinas Kesehatan menyampaikan data balita stunting dan ibu hamil KEK dari keluarga desil 1–2 per "
     "desa sebagai sasaran intervensi triwulan berikutnya."), 30, DONE, False,
     "Data sasaran per desa sudah dikirim ke Sekretariat TKPK (surat dan berkas Excel)."),
    ("Dinas PUPR", ("Dinas PUPR membangun sarana air bersih di Desa Ujung Pandaran (Teluk Sampit) melalui APBD "
     "Perubahan."), 90, DROPPED, False,
     "Tidak tertampung dalam APBD Perubahan; disepakati diusulkan melalui DAK Air Minum tahun berikutnya."),
    ("DPMD", ("DPMD mendorong pemerintah desa di kecamatan kantong kemiskinan menetapkan BLT Dana Desa bagi keluarga "
     "miskin ekstrem hasil verifikasi P3KE dan melaporkan daftar penerimanya."), 40, OPEN, False, ""),
]
SHOWCASE_LATEST = [
    ("Dinsos", ("Dinas Sosial menyampaikan daftar keluarga penerima bansos daerah tahun berikutnya yang telah padan "
     "dengan DTSEN desil 1–2 (by name by address, by NIK)."), None, OPEN, False, ""),
    (0, ("{company} menyelaraskan rencana program CSR tahun berikutnya dengan lokasi kantong kemiskinan (Pulau Hanaut, "
     "Mentaya Hilir Selatan, Teluk Sampit) dan menyampaikannya kepada Forum CSR melalui Bapperida."), 45,
     IN_PROGRESS, False, "Draf rencana program CSR sudah dipaparkan di Forum CSR; menunggu persetujuan direksi."),
    ("Bapperida", ("Sekretariat TKPK menyusun rancangan pemutakhiran RPKD dan RAT tahun berikutnya berdasarkan usulan "
     "OPD dan data DTSEN terbaru."), 60, None, False, ""),
]

# Further agreements by kind of meeting: (party: an OPD's short name, or a company's position in the
# demo's list, or "*" for any OPD (large demo); text ({opd}/{company}: its name); days to the due date)
BY_KIND = {
    EVALUASI: [
        ("Bapperida", ("Sekretariat TKPK menetapkan dan mengedarkan jadwal kegiatan TKPK tahun berjalan kepada seluruh "
         "anggota."), 14),
        ("Dinsos", "Dinas Sosial melaporkan realisasi penyaluran bansos triwulan IV by name by address.", 21),
        ("Disperkim", ("Disperkim menyampaikan Rencana Aksi Tahunan (RAT) penanggulangan kemiskinan, termasuk lokasi "
         "bedah rumah di desa kantong kemiskinan."), 30),
        ("Diskop UKM", "Diskop UKM menyampaikan RAT dengan sasaran pelaku usaha mikro dari keluarga desil 1–2.", 30),
        ("*", "{opd} menyampaikan Rencana Aksi Tahunan (RAT) penanggulangan kemiskinan kepada Sekretariat TKPK.", 30),
    ],
    PRA_RAKOR: [
        ("Disnakertrans", ("Disnakertrans memprioritaskan pelatihan kerja bagi pemuda dari keluarga miskin di kecamatan "
         "kantong kemiskinan."), 60),
        ("Distan", ("Dinas Pertanian menyalurkan bantuan bibit dan pupuk kepada petani dari keluarga desil 1–2 sesuai "
         "data P3KE."), 75),
        ("*", "{opd} melengkapi daftar penerima manfaat triwulan I by name by address di aplikasi.", 30),
    ],
    VERVAL: [
        ("Dinsos", ("Dinas Sosial menyampaikan hasil verifikasi lapangan DTSEN desil 1–4 per desa untuk penetapan "
         "sasaran tahun berikutnya."), 30),
        ("Disdukcapil", "Disdukcapil menyampaikan hasil pemadanan NIK data P3KE dengan data kependudukan.", 30),
        ("Bapperida", "Sekretariat TKPK menyusun peta kantong kemiskinan per desa dari data hasil verifikasi.", 45),
        ("*", "{opd} menyesuaikan lokasi kegiatan tahun berikutnya dengan desa kantong kemiskinan hasil verifikasi.",
         45),
    ],
    RAKOR: [
        ("Bapperida", ("Sekretariat TKPK menyusun laporan pelaksanaan penanggulangan kemiskinan tahun berjalan untuk "
         "disampaikan kepada Gubernur Kalimantan Tengah."), 30),
        ("Dinas PUPR", ("Dinas PUPR memprioritaskan air bersih dan sanitasi di desa kantong kemiskinan dalam usulan "
         "tahun berikutnya."), 45),
        (1, "{company} memfokuskan program CSR pada keluarga miskin ekstrem di desa sekitar kebun.", 60),
        ("*", ("{opd} memastikan seluruh kegiatan penanggulangan kemiskinan tahun berikutnya menyasar keluarga "
         "DTSEN desil 1–2."), 45),
    ],
}

NOTES = {
    IN_PROGRESS: ["Sedang berjalan; sebagian desa sudah selesai.", "Data sedang dihimpun dari kecamatan.",
                  "Menunggu kelengkapan data dari pemerintah desa.", "Koordinasi dengan camat sedang berlangsung."],
    DONE: ["Selesai; laporan sudah disampaikan ke Sekretariat TKPK.", "Selesai sesuai jadwal; bukti terlampir.",
           "Dokumen sudah diserahkan dalam rapat teknis."],
    DROPPED: ["Tidak dilanjutkan: digabung dengan kesepakatan rapat berikutnya.",
              "Tidak dilanjutkan: anggaran dialihkan melalui APBD Perubahan."],
}
CONFIRM_NOTES = ["Dikonfirmasi Sekretariat TKPK.", "Bukti sudah diperiksa; sesuai.", ""]

# Who else comes (name, people) besides the OPDs and companies
OTHERS = {
    EVALUASI: [("Bagian Perekonomian dan SDA Setda", 1)],
    PRA_RAKOR: [("BPS Kabupaten Kotawaringin Timur", 2), ("Camat Pulau Hanaut", 1),
                ("Camat Mentaya Hilir Selatan", 1), ("Camat Teluk Sampit", 1)],
    VERVAL: [("BPS Kabupaten Kotawaringin Timur", 1), ("Camat Pulau Hanaut", 1), ("Camat Mentaya Hilir Selatan", 1),
             ("Camat Teluk Sampit", 1), ("Camat Baamang", 1), ("Camat Mentawa Baru Ketapang", 1),
             ("Koordinator Pendamping PKH Kabupaten", 2)],
    RAKOR: [("BPS Kabupaten Kotawaringin Timur", 2), ("Camat Pulau Hanaut", 1), ("Camat Mentaya Hilir Selatan", 1),
            ("Camat Teluk Sampit", 1), ("Universitas Darwan Ali", 1), ("Forum CSR Kotawaringin Timur", 2)],
}
