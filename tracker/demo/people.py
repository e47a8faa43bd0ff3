"""Demo users, one or more per role; their passwords are printed by ``flask demo``."""

from __future__ import annotations

from flask import current_app

from tracker.auth.models import User
from tracker.auth.passwords import hash_password
from tracker.extensions import db

# Long enough and uncommon enough to pass the password rules, easy to type in a demo.
DEMO_PASSWORDS = {
    "admin": "Admin-Sampit-2025",
    "bappeda": "Bappeda-Mentaya-2025",
    "dinsos": "Dinsos-Baamang-2025",
    "dinkes": "Dinkes-Seranau-2025",
    "pupr": "Pupr-Parenggean-2025",
    "csr.agro": "Csr-Agro-Lestari-2025",
    "bupati": "Bupati-Kotim-2025",
}


def load(ctx) -> None:
    agencies = ctx.data["agencies_by_short"]
    company_id = ctx.data["company_ids"][0]
    specs = [
        ("admin", "Administrator Sistem", "admin", None, None, "Diskominfo / Bappeda"),
        ("bappeda", "Sekretariat TKPK Bappeda", "coordinator", None, None, "Bappeda (TKPK)"),
        ("dinsos", "Operator Dinas Sosial", "agency", agencies["Dinsos"], None, "Dinas Sosial"),
        ("dinkes", "Operator Dinas Kesehatan", "agency", agencies["Dinkes"], None, "Dinas Kesehatan"),
        ("pupr", "Operator Dinas PUPR", "agency", agencies["Dinas PUPR"], None, "Dinas PUPR"),
        ("csr.agro", "Petugas CSR PT Agro Mentaya Lestari", "company", None, company_id, "PT Agro Mentaya Lestari"),
        ("bupati", "Bupati Kotawaringin Timur", "viewer", None, None, "Pimpinan daerah (baca saja)"),
    ]
    # One hash per distinct password; hashing is deliberately slow.
    for username, full_name, role, agency_id, comp_id, note in specs:
        password = DEMO_PASSWORDS[username]
        db.session.add(User(
            username=username, full_name=full_name, email=f"{username}@kotimkab.go.id", role=role,
            agency_id=agency_id, company_id=comp_id, password_hash=hash_password(password),
        ))
        ctx.logins.append((username, password, role, note))
    if ctx.large:
        # Every OPD gets an operator in the large demo, sharing one (pre-computed) hash.
        shared = hash_password("Operator-Opd-2025")
        for i, agency_id in enumerate(ctx.data["agency_ids"], start=1):
            db.session.add(User(username=f"opd{i:02d}", full_name=f"Operator OPD {i:02d}", role="agency",
                                agency_id=agency_id, password_hash=shared))
        ctx.logins.append(("opd01..opd60", "Operator-Opd-2025", "agency", "satu akun per OPD"))
    current_app.logger.debug("demo users created")
