"""jobs: the periodic task runner's lease and last run per task

Revision ID: 0003_jobs
Revises: 0002
Create Date: 2026-12-05 21:46:42.843496

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_jobs'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_tasks',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('interval_seconds', sa.Integer(), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sa.String(length=120), nullable=False),
    sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.Enum('ok', 'failed', name='job_outcome', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('last_summary', sa.String(length=500), nullable=False),
    sa.Column('last_duration_ms', sa.Integer(), nullable=True),
    sa.Column('run_count', sa.Integer(), nullable=False),
    sa.CheckConstraint('interval_seconds > 0', name=op.f('ck_job_tasks_interval_positive')),
    sa.CheckConstraint('run_count >= 0', name=op.f('ck_job_tasks_run_count_not_negative')),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_job_tasks'))
    )


def downgrade():
    op.drop_table('job_tasks')
