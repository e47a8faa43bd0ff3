"""beneficiaries: the name match's index also holds ``active``

Revision ID: 0011_target_match_index
Revises: 0010_beneficiaries
Create Date: 2026-12-05 04:20:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011_target_match_index'
down_revision = '0010_beneficiaries'
branch_labels = None
depends_on = None


def upgrade():
    # tracker.beneficiaries.matching joins each unmatched beneficiary to the active households of its
    # desa born the same day.  With (region_id, birth_date) only, SQLite preferred (region_id, active)
    # and read every household of the desa per beneficiary: 47 s for 50,000 against 200,000.
    with op.batch_alter_table('target_household', schema=None) as batch_op:
        batch_op.drop_index('ix_target_household_match')
        batch_op.create_index('ix_target_household_match', ['region_id', 'birth_date', 'active'], unique=False)


def downgrade():
    with op.batch_alter_table('target_household', schema=None) as batch_op:
        batch_op.drop_index('ix_target_household_match')
        batch_op.create_index('ix_target_household_match', ['region_id', 'birth_date'], unique=False)
