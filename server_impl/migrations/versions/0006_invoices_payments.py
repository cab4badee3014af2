"""Invoices, their per-tenant number counters, and payments.

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server_impl.adapters.sqlalchemy.types

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = server_impl.adapters.sqlalchemy.types.UtcDateTime


def _tenant_columns(table: str) -> list[sa.schema.SchemaItem]:
    return [
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f(f"fk_{table}_organization_id_organizations")
        ),
    ]


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "invoices",
        sa.Column("id", sa.String(length=30), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=30), nullable=False),
        sa.Column("job_id", sa.String(length=30), nullable=True),
        sa.Column("estimate_id", sa.String(length=30), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("line_items", JSON, nullable=False),
        sa.Column("discount", sa.BigInteger(), nullable=False),
        sa.Column("subtotal", sa.BigInteger(), nullable=False),
        sa.Column("discount_amount", sa.BigInteger(), nullable=False),
        sa.Column("tax_total", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("totals_locked", sa.Boolean(), nullable=False),
        sa.Column("amount_paid", sa.BigInteger(), nullable=False),
        sa.Column("terms", sa.String(length=20), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("memo", sa.String(length=2000), nullable=True),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("accounting_sync", JSON, nullable=False),
        sa.Column("accounting_sync_status", sa.String(length=16), nullable=False),
        sa.Column("finalized_at", UTC(), nullable=True),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("paid_at", UTC(), nullable=True),
        sa.Column("voided_at", UTC(), nullable=True),
        sa.Column("marked_uncollectible_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_tenant_columns("invoices"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_invoices_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("organization_id", "environment", "number", name="uq_invoices_tenant_number"),
    )
    op.create_index("ix_invoices_tenant", "invoices", ["organization_id", "environment", "id"], unique=False)
    op.create_index(
        "ix_invoices_tenant_customer", "invoices", ["organization_id", "environment", "customer_id", "id"], unique=False
    )
    op.create_index(
        "ix_invoices_tenant_sync",
        "invoices",
        ["organization_id", "environment", "accounting_sync_status", "id"],
        unique=False,
    )
    op.create_table(
        "invoice_number_counters",
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        *_tenant_columns("invoice_number_counters"),
        sa.PrimaryKeyConstraint("organization_id", "environment", name="pk_invoice_number_counters"),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.String(length=30), nullable=False),
        sa.Column("customer_id", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("applications", JSON, nullable=False),
        sa.Column("invoice_ids_text", sa.String(length=2000), nullable=False),
        sa.Column("refunds", JSON, nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("memo", sa.String(length=2000), nullable=True),
        sa.Column("failure_reason", sa.String(length=1000), nullable=True),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("received_at", UTC(), nullable=False),
        sa.Column("succeeded_at", UTC(), nullable=True),
        sa.Column("failed_at", UTC(), nullable=True),
        sa.Column("canceled_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_tenant_columns("payments"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_payments_customer_id_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    op.create_index("ix_payments_tenant", "payments", ["organization_id", "environment", "id"], unique=False)
    op.create_index(
        "ix_payments_tenant_customer", "payments", ["organization_id", "environment", "customer_id", "id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_payments_tenant_customer", table_name="payments")
    op.drop_index("ix_payments_tenant", table_name="payments")
    op.drop_table("payments")
    op.drop_table("invoice_number_counters")
    op.drop_index("ix_invoices_tenant_sync", table_name="invoices")
    op.drop_index("ix_invoices_tenant_customer", table_name="invoices")
    op.drop_index("ix_invoices_tenant", table_name="invoices")
    op.drop_table("invoices")
