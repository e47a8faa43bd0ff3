"""beneficiaries by name and address: the target list, its history, the lists per activity and their matches

Revision ID: 0010_beneficiaries
Revises: 0009_data_change
Create Date: 2026-12-04 13:13:38.599107

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_beneficiaries'
down_revision = '0009_data_change'
branch_labels = None
depends_on = None


def upgrade():
    # NIK and KK numbers only as keyed hashes, Fernet tokens and masks (UU 27/2022; tracker.beneficiaries).
    op.create_table('target_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('removed', sa.Integer(), nullable=False),
    sa.Column('changed', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("source IN ('P3KE', 'DTSEN', 'DTKS', 'other')", name=op.f('ck_target_list_source')),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_target_list_imported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_list'))
    )
    op.create_table('target_household',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nik_hash', sa.String(length=64), nullable=False),
    sa.Column('nik_sealed', sa.Text(), nullable=False),
    sa.Column('nik_masked', sa.String(length=16), nullable=False),
    sa.Column('kk_hash', sa.String(length=64), nullable=True),
    sa.Column('kk_sealed', sa.Text(), nullable=True),
    sa.Column('kk_masked', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('desil', sa.Integer(), nullable=True),
    sa.Column('nik_outside', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('first_list_id', sa.Integer(), nullable=False),
    sa.Column('last_list_id', sa.Integer(), nullable=False),
    sa.Column('verval_result', sa.String(length=12), nullable=True),
    sa.Column('verval_note', sa.String(length=500), nullable=False),
    sa.Column('verval_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verval_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("sex IS NULL OR sex IN ('L', 'P')", name=op.f('ck_target_household_sex')),
    sa.CheckConstraint("verval_result IS NULL OR verval_result IN ('still_poor', 'moved', 'died', 'not_poor')", name=op.f('ck_target_household_verval_result')),
    sa.CheckConstraint('desil IS NULL OR (desil >= 1 AND desil <= 10)', name=op.f('ck_target_household_desil')),
    sa.ForeignKeyConstraint(['first_list_id'], ['target_list.id'], name=op.f('fk_target_household_first_list_id_target_list')),
    sa.ForeignKeyConstraint(['last_list_id'], ['target_list.id'], name=op.f('fk_target_household_last_list_id_target_list')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_target_household_region_id_region')),
    sa.ForeignKeyConstraint(['verval_by_id'], ['user_account.id'], name=op.f('fk_target_household_verval_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_household')),
    sa.UniqueConstraint('nik_hash', name=op.f('uq_target_household_nik_hash'))
    )
    with op.batch_alter_table('target_household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_household_kk_hash'), ['kk_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_target_household_last_list_id'), ['last_list_id'], unique=False)
        batch_op.create_index('ix_target_household_match', ['region_id', 'birth_date'], unique=False)
        batch_op.create_index('ix_target_household_region_active', ['region_id', 'active'], unique=False)

    op.create_table('beneficiary',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('nik_hash', sa.String(length=64), nullable=True),
    sa.Column('nik_sealed', sa.Text(), nullable=True),
    sa.Column('nik_masked', sa.String(length=16), nullable=True),
    sa.Column('nik_status', sa.String(length=8), nullable=False),
    sa.Column('kk_hash', sa.String(length=64), nullable=True),
    sa.Column('kk_sealed', sa.Text(), nullable=True),
    sa.Column('kk_masked', sa.String(length=16), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('name_key', sa.String(length=120), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('match_status', sa.String(length=10), nullable=False),
    sa.Column('target_household_id', sa.Integer(), nullable=True),
    sa.Column('match_score', sa.Integer(), nullable=True),
    sa.Column('matched_by_id', sa.Integer(), nullable=True),
    sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("match_status IN ('exact', 'probable', 'confirmed', 'rejected', 'unmatched')", name=op.f('ck_beneficiary_match_status')),
    sa.CheckConstraint("nik_status IN ('valid', 'outside', 'invalid', 'missing')", name=op.f('ck_beneficiary_nik_status')),
    sa.CheckConstraint('quarter >= 1 AND quarter <= 4', name=op.f('ck_beneficiary_quarter')),
    sa.ForeignKeyConstraint(['activity_id'], ['activity.id'], name=op.f('fk_beneficiary_activity_id_activity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_beneficiary_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['matched_by_id'], ['user_account.id'], name=op.f('fk_beneficiary_matched_by_id_user_account')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_beneficiary_region_id_region')),
    sa.ForeignKeyConstraint(['target_household_id'], ['target_household.id'], name=op.f('fk_beneficiary_target_household_id_target_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_beneficiary'))
    )
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.create_index('ix_beneficiary_activity_period', ['activity_id', 'year', 'quarter'], unique=False)
        batch_op.create_index('ix_beneficiary_household', ['target_household_id', 'match_status'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiary_kk_hash'), ['kk_hash'], unique=False)
        batch_op.create_index('ix_beneficiary_nik', ['nik_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiary_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_beneficiary_year'), ['year'], unique=False)

    op.create_table('target_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('old_value', sa.String(length=40), nullable=True),
    sa.Column('new_value', sa.String(length=40), nullable=True),
    sa.CheckConstraint("kind IN ('added', 'removed', 'desil', 'moved')", name=op.f('ck_target_change_kind')),
    sa.ForeignKeyConstraint(['household_id'], ['target_household.id'], name=op.f('fk_target_change_household_id_target_household')),
    sa.ForeignKeyConstraint(['list_id'], ['target_list.id'], name=op.f('fk_target_change_list_id_target_list')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_target_change'))
    )
    with op.batch_alter_table('target_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_target_change_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_target_change_list_id'), ['list_id'], unique=False)



def downgrade():
    with op.batch_alter_table('target_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_target_change_list_id'))
        batch_op.drop_index(batch_op.f('ix_target_change_household_id'))

    op.drop_table('target_change')
    with op.batch_alter_table('beneficiary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_beneficiary_year'))
        batch_op.drop_index(batch_op.f('ix_beneficiary_region_id'))
        batch_op.drop_index('ix_beneficiary_nik')
        batch_op.drop_index(batch_op.f('ix_beneficiary_kk_hash'))
        batch_op.drop_index('ix_beneficiary_household')
        batch_op.drop_index('ix_beneficiary_activity_period')

    op.drop_table('beneficiary')
    with op.batch_alter_table('target_household', schema=None) as batch_op:
        batch_op.drop_index('ix_target_household_region_active')
        batch_op.drop_index('ix_target_household_match')
        batch_op.drop_index(batch_op.f('ix_target_household_last_list_id'))
        batch_op.drop_index(batch_op.f('ix_target_household_kk_hash'))

    op.drop_table('target_household')
    op.drop_table('target_list')
