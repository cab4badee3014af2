"""Jobs and their per-tenant number counter.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server_impl.adapters.sqlalchemy.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = server_impl.adapters.sqlalchemy.types.UtcDateTime


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=30), nullable=False),
        sa.Column("service_location_id", sa.String(length=30), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("window_start", UTC(), nullable=True),
        sa.Column("window_end", UTC(), nullable=True),
        sa.Column("arrival_window_start", UTC(), nullable=True),
        sa.Column("arrival_window_end", UTC(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("technician_ids", JSON, nullable=False),
        sa.Column("technicians_text", sa.String(length=700), nullable=False),
        sa.Column("line_items", JSON, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("tax_total", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("source_estimate_id", sa.String(length=30), nullable=True),
        sa.Column("invoice_ids", JSON, nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("tags_text", sa.String(length=3000), nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("hold_reason", sa.String(length=1000), nullable=True),
        sa.Column("cancel_reason", sa.String(length=1000), nullable=True),
        sa.Column("completion_notes", sa.String(length=5000), nullable=True),
        sa.Column("dispatched_at", UTC(), nullable=True),
        sa.Column("started_at", UTC(), nullable=True),
        sa.Column("completed_at", UTC(), nullable=True),
        sa.Column("canceled_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_jobs_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_jobs_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("organization_id", "environment", "number", name="uq_jobs_tenant_number"),
    )
    op.create_index("ix_jobs_tenant", "jobs", ["organization_id", "environment", "id"], unique=False)
    op.create_index("ix_jobs_tenant_status", "jobs", ["organization_id", "environment", "status", "id"], unique=False)
    op.create_index(
        "ix_jobs_tenant_customer", "jobs", ["organization_id", "environment", "customer_id", "id"], unique=False
    )
    op.create_index("ix_jobs_tenant_window", "jobs", ["organization_id", "environment", "window_start"], unique=False)
    op.create_index("ix_jobs_tenant_updated", "jobs", ["organization_id", "environment", "updated_at"], unique=False)
    op.create_table(
        "job_counters",
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_job_counters_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("organization_id", "environment", name="pk_job_counters"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("job_counters")
    op.drop_index("ix_jobs_tenant_updated", table_name="jobs")
    op.drop_index("ix_jobs_tenant_window", table_name="jobs")
    op.drop_index("ix_jobs_tenant_customer", table_name="jobs")
    op.drop_index("ix_jobs_tenant_status", table_name="jobs")
    op.drop_index("ix_jobs_tenant", table_name="jobs")
    op.drop_table("jobs")
