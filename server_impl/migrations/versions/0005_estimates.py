"""Estimates.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server_impl.adapters.sqlalchemy.types

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = server_impl.adapters.sqlalchemy.types.UtcDateTime


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "estimates",
        sa.Column("id", sa.String(length=30), nullable=False),
        sa.Column("number_seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=30), nullable=False),
        sa.Column("service_location_id", sa.String(length=30), nullable=True),
        sa.Column("job_id", sa.String(length=30), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("message", sa.String(length=5000), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("deposit_amount", sa.BigInteger(), nullable=True),
        sa.Column("deposit_required", sa.Boolean(), nullable=False),
        sa.Column("approval", JSON, nullable=True),
        sa.Column("decline_reason", sa.String(length=1000), nullable=True),
        sa.Column("converted_job_id", sa.String(length=30), nullable=True),
        sa.Column("converted_invoice_id", sa.String(length=30), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("approved_at", UTC(), nullable=True),
        sa.Column("declined_at", UTC(), nullable=True),
        sa.Column("expired_at", UTC(), nullable=True),
        sa.Column("converted_at", UTC(), nullable=True),
        sa.Column("voided_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_estimates_customer_id_customers")),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_estimates_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estimates")),
        sa.UniqueConstraint("organization_id", "environment", "number_seq", name="uq_estimates_tenant_number"),
    )
    op.create_table(
        "estimate_number_counters",
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_estimate_number_counters_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "environment", name="pk_estimate_number_counters"),
    )
    op.create_index("ix_estimates_tenant", "estimates", ["organization_id", "environment", "id"], unique=False)
    op.create_index(
        "ix_estimates_tenant_updated", "estimates", ["organization_id", "environment", "updated_at"], unique=False
    )
    op.create_index(
        "ix_estimates_tenant_customer",
        "estimates",
        ["organization_id", "environment", "customer_id", "id"],
        unique=False,
    )
    op.create_index("ix_estimates_expiry", "estimates", ["status", "valid_until"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_estimates_expiry", table_name="estimates")
    op.drop_index("ix_estimates_tenant_customer", table_name="estimates")
    op.drop_index("ix_estimates_tenant_updated", table_name="estimates")
    op.drop_index("ix_estimates_tenant", table_name="estimates")
    op.drop_table("estimates")
    op.drop_table("estimate_number_counters")
