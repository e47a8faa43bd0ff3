"""change counters: one row per table, raised by every transaction that writes to it

Revision ID: 0009_data_change
Revises: 0008_evaluation_indexes
Create Date: 2026-12-04 06:10:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009_data_change'
down_revision = '0008_evaluation_indexes'
branch_labels = None
depends_on = None


def upgrade():
    # tracker.changes: the report and evaluation caches read these counters instead of scanning the
    # tables.  A table starts without a row (counter 0); its first write through the app adds it.
    op.create_table('data_change',
                    sa.Column('table_name', sa.String(length=63), nullable=False),
                    sa.Column('counter', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('table_name', name=op.f('pk_data_change')))


def downgrade():
    op.drop_table('data_change')
