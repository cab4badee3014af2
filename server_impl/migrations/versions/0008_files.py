"""Files: metadata of uploaded bytes.

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-28

Attachments to jobs, estimates, invoices and payments are checked by the service (tenant-aware),
not by foreign keys: those tables belong to other branches of the migration graph.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import server_impl.adapters.sqlalchemy.types

revision = "0008"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
UTC = server_impl.adapters.sqlalchemy.types.UtcDateTime


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "files",
        sa.Column("id", sa.String(length=31), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("detected_content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("attachments", JSON, nullable=False),
        sa.Column("attached_ids", sa.String(length=200), nullable=False),
        sa.Column("bucket", sa.String(length=63), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("page_count", sa.Integer(), nullable=True),
        sa.Column("processing_started_at", UTC(), nullable=True),
        sa.Column("ready_at", UTC(), nullable=True),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("updated_at", UTC(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.String(length=30), nullable=False),
        sa.Column("environment", sa.String(length=4), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_files_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_files")),
    )
    op.create_index("ix_files_tenant", "files", ["organization_id", "environment", "id"], unique=False)
    op.create_index("ix_files_tenant_updated", "files", ["organization_id", "environment", "updated_at"], unique=False)
    op.create_index("ix_files_status", "files", ["status", "id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_files_status", table_name="files")
    op.drop_index("ix_files_tenant_updated", table_name="files")
    op.drop_index("ix_files_tenant", table_name="files")
    op.drop_table("files")
