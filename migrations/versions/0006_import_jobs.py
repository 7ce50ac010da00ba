"""import jobs

Imports of layers from files (数据导入): one row per upload with its status, progress,
preview and result; cell changes may be made by an import (op 'import').

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPS_BEFORE = "'reshape', 'split', 'merge', 'create', 'delete', 'revert', 'attributes', 'proposal'"


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("user_name", sa.String(length=50), nullable=False),
        sa.Column("layer", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("datum", sa.String(length=10), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=100), nullable=False),
        sa.Column("error", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("preview", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("layer IN ('cells')", name=op.f("ck_import_jobs_layer_known")),
        sa.CheckConstraint(
            "status IN ('reading', 'ready', 'committing', 'committed', 'failed', 'discarded')",
            name=op.f("ck_import_jobs_status_known"),
        ),
        sa.CheckConstraint("mode IN ('merge', 'replace')", name=op.f("ck_import_jobs_mode_known")),
        sa.CheckConstraint(
            "progress BETWEEN 0 AND 100", name=op.f("ck_import_jobs_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_import_jobs_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    op.create_index(op.f("ix_import_jobs_user_id"), "import_jobs", ["user_id"], unique=False)
    op.drop_constraint(op.f("ck_cell_changes_op_known"), "cell_changes", type_="check")
    op.create_check_constraint(
        op.f("ck_cell_changes_op_known"), "cell_changes", f"op IN ({OPS_BEFORE}, 'import')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM cell_changes WHERE op = 'import'")
    op.drop_constraint(op.f("ck_cell_changes_op_known"), "cell_changes", type_="check")
    op.create_check_constraint(
        op.f("ck_cell_changes_op_known"), "cell_changes", f"op IN ({OPS_BEFORE})"
    )
    op.drop_index(op.f("ix_import_jobs_user_id"), table_name="import_jobs")
    op.drop_table("import_jobs")
