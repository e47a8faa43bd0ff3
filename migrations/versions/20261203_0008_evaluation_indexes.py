"""evaluation: an index that finds and reads the counted reports of a quarter for the figures

Revision ID: 0008_evaluation_indexes
Revises: 0007_reports
Create Date: 2026-12-03 17:35:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008_evaluation_indexes'
down_revision = '0007_reports'
branch_labels = None
depends_on = None


def upgrade():
    # tracker.evaluation.figures_sql joins each activity to its counted report of each quarter
    # (year, quarter, status, activity) and reads the money and physical progress; PostgreSQL also
    # reads the quarter's counted report ids for the indicator values.  With every column in the
    # index neither database visits the table rows.
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.create_index('ix_progress_report_figures',
                              ['year', 'quarter', 'status', 'activity_id', 'id', 'budget_realized',
                               'physical_progress'], unique=False)


def downgrade():
    with op.batch_alter_table('progress_report', schema=None) as batch_op:
        batch_op.drop_index('ix_progress_report_figures')
