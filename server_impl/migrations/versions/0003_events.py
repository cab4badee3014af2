"""The events outbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28

Later areas (jobs, estimates, invoices and payments, webhooks, files) each branch from this
revision, so they can be developed side by side; ``asteri db upgrade`` applies every head.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server_impl.adapters.sqlalchemy.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=30), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("resource_type", sa.String(length=32), nullable=False),
        sa.Column("resource_id", sa.String(length=64), nullable=False),
        sa.Column("customer_id", sa.String(length=30), nullable=True),
        sa.Column("data_object", JSON, nullable=False),
        sa.Column("previous_attributes", JSON, nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("created_at", server_impl.adapters.sqlalchemy.types.UtcDateTime(), nullable=False),
        sa.Column("published_at", server_impl.adapters.sqlalchemy.types.UtcDateTime(), nullable=True),
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_events_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_tenant", "events", ["organization_id", "environment", "id"], unique=False)
    op.create_index("ix_events_tenant_type", "events", ["organization_id", "environment", "type", "id"], unique=False)
    op.create_index(
        "ix_events_tenant_customer", "events", ["organization_id", "environment", "customer_id", "id"], unique=False
    )
    op.create_index("ix_events_unpublished", "events", ["published_at", "id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_events_unpublished", table_name="events")
    op.drop_index("ix_events_tenant_customer", table_name="events")
    op.drop_index("ix_events_tenant_type", table_name="events")
    op.drop_index("ix_events_tenant", table_name="events")
    op.drop_table("events")
