"""Made-up people of Kotawaringin Timur for the by-name lists: names of the Banjar, Dayak and Javanese
(transmigrant) mix each kecamatan has, NIK and KK numbers as Disdukcapil issues them (region, DDMMYY with
40 added to a woman's day, a serial never 0000), addresses with RT/RW, and the mistakes OPD lists make
(a misspelt name, one wrong NIK digit).  Everything comes from the ``rng`` given, so a seed gives the
same people; ``bench/matching.py`` uses the same generator for its 200,000 rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

BANJAR, DAYAK, JAWA = "banjar", "dayak", "jawa"
FIRST = {
    (BANJAR, "L"): ["Muhammad", "Ahmad", "Abdul", "Rahmat", "Arsyad", "Syahrani", "Masrani", "Jumberi", "Iberahim",
                    "Mahlan", "Aspiannor", "Rusdiansyah", "Fahrurrazi", "Hairani", "Gazali", "Saberi", "Anwar",
                    "Basri", "Juhdi", "Samsuri", "Taufik", "Zainal", "Hamdani", "Husin", "Mardani", "Gusti"],
    (BANJAR, "P"): ["Siti", "Norhayati", "Halimah", "Samsiah", "Jamilah", "Masitah", "Rusmini", "Aisyah", "Fatimah",
                    "Mariani", "Rahmah", "Salasiah", "Nurul", "Hafsah", "Zubaidah", "Maimunah", "Khadijah", "Antung"],
    (DAYAK, "L"): ["Yohanes", "Ambun", "Sahari", "Undang", "Kiting", "Lambung", "Dangu", "Tambun", "Sanan", "Rampai",
                   "Dewin", "Ugang", "Elson", "Markus", "Paulus", "Simon", "Yulius", "Natalis", "Derson", "Agustinus",
                   "Heriyanto", "Jaga", "Ilham", "Dahlan"],
    (DAYAK, "P"): ["Maria", "Elisabet", "Dahlia", "Itan", "Yuliana", "Lusiana", "Rosita", "Desi", "Nanie", "Ester",
                   "Kristina", "Ardiana", "Marta", "Lidia", "Mika", "Rinda", "Sulasih"],
    (JAWA, "L"): ["Sutrisno", "Suparman", "Slamet", "Bambang", "Sugiyono", "Wagiman", "Sukirno", "Joko", "Agus",
                  "Budi", "Tri", "Supriyadi", "Heru", "Purwanto", "Sumarno", "Teguh", "Wahyu", "Edi", "Mulyono",
                  "Sarwono", "Paijo", "Kasno"],
    (JAWA, "P"): ["Sri", "Suwarni", "Puji", "Sumiyati", "Sulastri", "Suparmi", "Endang", "Wartini", "Rini", "Dwi",
                  "Siti", "Yuni", "Tumini", "Painem", "Sukarsih", "Ngatini"],
}
LAST = {
    (BANJAR, "L"): ["Hidayat", "Rahman", "Saleh", "Yusuf", "Ismail", "Noor", "Rasyid", "Anshari", "Effendi", "Hasan",
                    "Fauzi", "Arsyad", "Jamani", "Sarbaini", "Rijali"],
    (BANJAR, "P"): ["Aminah", "Rahmah", "Hayati", "Jannah", "Fitriani", "Mariam", "Azizah", "Normah", "Salmah",
                    "Rusida", "Maulida"],
    (DAYAK, "L"): ["Ungkal", "Tuah", "Sandan", "Bungai", "Uton", "Nyahu", "Ajun", "Pesat", "Lesan", "Kambang",
                   "Rangka", "Jalan"],
    (DAYAK, "P"): ["Ungkal", "Tuah", "Bungai", "Suling", "Nyahu", "Lesan", "Dewi", "Tambun", "Sari", "Rinting"],
    (JAWA, "L"): ["Riyadi", "Santoso", "Prasetyo", "Wibowo", "Susilo", "Setiawan", "Hartono", "Nugroho", "Raharjo",
                  "Utomo", "Sutarno", "Widodo"],
    (JAWA, "P"): ["Wahyuni", "Lestari", "Handayani", "Rahayu", "Astuti", "Purwanti", "Suryani", "Wulandari",
                  "Mulyani", "Ningsih", "Rahayuningsih"],
}
# kecamatan -> (Banjar, Dayak, Javanese) weights: the river mouth Banjar, upriver Dayak, transmigration
# areas Javanese; the town a mix.
MIX = {
    "Pulau Hanaut": (8, 1, 1), "Mentaya Hilir Selatan": (8, 1, 1), "Mentaya Hilir Utara": (7, 1, 2),
    "Teluk Sampit": (8, 1, 1), "Seranau": (6, 3, 1), "Baamang": (5, 2, 3), "Mentawa Baru Ketapang": (5, 2, 3),
    "Kota Besi": (4, 4, 2), "Cempaga": (3, 3, 4), "Cempaga Hulu": (2, 4, 4), "Telawang": (3, 2, 5),
    "Parenggean": (2, 3, 5), "Telaga Antang": (1, 4, 5), "Tualan Hulu": (1, 6, 3), "Mentaya Hulu": (2, 7, 1),
    "Antang Kalang": (1, 8, 1), "Bukit Santuai": (1, 8, 1),
}
TOWN = {"Baamang", "Mentawa Baru Ketapang"}
STREETS = ["Ahmad Yani", "Tjilik Riwut", "Jenderal Sudirman", "MT Haryono", "Pelita", "Iskandar", "Usman Harun",
           "Kapten Mulyono", "DI Panjaitan", "Baamang Tengah", "Pramuka", "Padat Karya"]
GANG = ["Mawar", "Melati", "Kenanga", "Anggrek", "Flamboyan", "Rambutan", "Nangka", "Pinang", "Sawo", "Karya",
        "Damai", "Rukun", "Harapan", "Keruing", "Ulin"]
RURAL = ["Jl. Poros Desa", "Jl. Tepian Sungai Mentaya", "Jl. Handil Makmur", "Jl. Transmigrasi Blok {b}",
         "Jl. Sei Ijum", "Jl. Simpang Desa", "Jl. Lingkar Kebun", "Jl. Dermaga", "Jl. Masjid Al-Ikhlas",
         "Jl. Gereja Kalimantan Evangelis"]
# NIK issued elsewhere: Kotawaringin Barat, Kapuas, Seruyan (Kalteng), Banjarmasin, Surabaya
OUTSIDE_PREFIXES = ["620101", "620301", "620701", "637101", "357801"]
# Spellings OPD staff write for the same name
VARIANTS = [("MUHAMMAD", "MUHAMAD"), ("MUHAMMAD", "MOHAMMAD"), ("AHMAD", "ACHMAD"), ("SITI", "SITTI"),
            ("NORHAYATI", "NURHAYATI"), ("YOHANES", "YOHANNES"), ("ELISABET", "ELISABETH"), ("SYAHRANI", "SAHRANI"),
            ("IBERAHIM", "IBRAHIM"), ("RAHMAT", "RACHMAT"), ("SUTRISNO", "SOETRISNO"), ("SUPARMAN", "SOEPARMAN"),
            ("YUSUF", "YUSUP"), ("FATIMAH", "FATIMA"), ("AISYAH", "AISAH"), ("HIDAYAT", "HIDAYAH"),
            ("WAHYUNI", "WAHYUNIE"), ("KHADIJAH", "HADIJAH"), ("LUSIANA", "LUSIANAH"), ("RIYADI", "RIADI")]


@dataclass
class Person:
    nik: str
    kk: str
    name: str
    sex: str
    born: date
    address: str
    desa_code: str
    desa_id: int | None
    desil: int


class Registry:
    """Issues unique NIK and KK numbers and the people carrying them."""

    def __init__(self, rng, kabupaten: str = "6202"):
        self.rng, self.kabupaten = rng, kabupaten
        self.niks: set[str] = set()
        self.kks: set[str] = set()

    def nik(self, region6: str, born: date, sex: str) -> str:
        day = born.day + (40 if sex == "P" else 0)
        stem = f"{region6}{day:02d}{born.month:02d}{born.year % 100:02d}"
        while True:
            value = f"{stem}{self.rng.randint(1, 9999):04d}"
            if value not in self.niks:
                self.niks.add(value)
                return value

    def kk(self, region6: str, issued: date) -> str:
        stem = f"{region6}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}"
        while True:
            value = f"{stem}{self.rng.randint(1, 9999):04d}"
            if value not in self.kks:
                self.kks.add(value)
                return value

    def person(self, year: int, kecamatan: str, kecamatan_digits: list[str], desa_code: str, desa_name: str,
               desa_id: int | None, desil: int, outside_share: float = 0.02) -> Person:
        """A head of household living in the desa; ``kecamatan_digits``: the 6-digit codes of the kabupaten's
        kecamatan (the desa's own first), some NIK issued in another kecamatan or kabupaten."""
        rng = self.rng
        sex = "L" if rng.random() < 0.78 else "P"  # women head the household when widowed or alone
        age = rng.randint(24, 78) if sex == "L" else rng.randint(30, 82)
        born = date(year - age, 1, 1) + timedelta(days=rng.randint(0, 364))
        roll = rng.random()
        home = kecamatan_digits[0]
        region6 = (rng.choice(OUTSIDE_PREFIXES) if roll < outside_share
                   else rng.choice(kecamatan_digits) if roll < outside_share + 0.08 else home)
        issued = date(rng.randint(2008, year - 1), rng.randint(1, 12), rng.randint(1, 28))
        return Person(nik=self.nik(region6, born, sex), kk=self.kk(home, issued), name=name(rng, kecamatan, sex),
                      sex=sex, born=born, address=address(rng, kecamatan, desa_name), desa_code=desa_code,
                      desa_id=desa_id, desil=desil)


def name(rng, kecamatan: str, sex: str) -> str:
    banjar, dayak, jawa = MIX.get(kecamatan, (4, 3, 3))
    group = rng.choices((BANJAR, DAYAK, JAWA), weights=(banjar, dayak, jawa))[0]
    first = rng.choice(FIRST[(group, sex)])
    words = rng.choices((1, 2, 3), weights=(1, 6, 2) if group != DAYAK else (3, 6, 1))[0]
    parts = [first]
    if words == 3:
        parts.append(rng.choice(FIRST[(group, sex)] if group != BANJAR or sex == "P" else ["Noor", "Ali", "Abdul"]))
    if words >= 2:
        parts.append(rng.choice(LAST[(group, sex)]))
    return " ".join(dict.fromkeys(parts))  # no word twice


def address(rng, kecamatan: str, desa: str) -> str:
    rt, rw = rng.randint(1, 18), rng.randint(1, 6)
    if kecamatan in TOWN or rng.random() < 0.25:
        street = f"Jl. {rng.choice(STREETS)}"
        if rng.random() < 0.6:
            street += f" Gg. {rng.choice(GANG)}"
        return f"{street} No. {rng.randint(1, 120)} RT {rt:03d}/RW {rw:03d}, {desa}"
    return f"{rng.choice(RURAL).format(b=rng.choice('ABCDEF'))} RT {rt:03d}/RW {rw:03d}, {desa}"


def misspell(rng, text: str) -> str:
    """The name as another office wrote it: a known variant, else one letter dropped or doubled."""
    upper = text.upper()
    options = [(a, b) for a, b in VARIANTS if a in upper.split()] + [(b, a) for a, b in VARIANTS if b in upper.split()]
    words = text.split()
    if options and rng.random() < 0.7:
        old, new = rng.choice(options)
        return " ".join(new.title() if w.upper() == old else w for w in words)
    i = max(range(len(words)), key=lambda k: len(words[k]))
    word = words[i]
    if len(word) < 5:
        return text + "h" if not text.endswith("h") else text[:-1]
    k = rng.randint(1, len(word) - 2)
    words[i] = word[:k] + word[k + 1:] if rng.random() < 0.6 else word[:k] + word[k] + word[k:]
    return " ".join(words)


def typo(rng, digits: str, taken: set[str]) -> str:
    """One digit of a NIK written wrong (never the kabupaten code, never another listed NIK)."""
    while True:
        k = rng.randint(4, len(digits) - 1)
        new = str((int(digits[k]) + rng.randint(1, 9)) % 10)
        value = digits[:k] + new + digits[k + 1:]
        if value not in taken:
            return value


HEADER = ["nik", "kk", "nama", "jenis_kelamin", "tanggal_lahir", "alamat", "kode_wilayah", "desil"]


def csv_row(p: Person) -> list:
    """The person as a row of a DTSEN export (the ``HEADER`` columns, as ``target_import`` reads them)."""
    return [p.nik, p.kk, p.name, p.sex, p.born.isoformat(), p.address, p.desa_code, p.desil]
