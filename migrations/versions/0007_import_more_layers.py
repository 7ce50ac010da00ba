"""import more layers

Imports of communities, buildings and service points besides cells.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LAYERS = "'cells', 'communities', 'buildings', 'service_points'"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_import_jobs_layer_known"), "import_jobs", type_="check")
    op.create_check_constraint(
        op.f("ck_import_jobs_layer_known"), "import_jobs", f"layer IN ({LAYERS})"
    )


def downgrade() -> None:
    op.execute("DELETE FROM import_jobs WHERE layer <> 'cells'")
    op.drop_constraint(op.f("ck_import_jobs_layer_known"), "import_jobs", type_="check")
    op.create_check_constraint(
        op.f("ck_import_jobs_layer_known"), "import_jobs", "layer IN ('cells')"
    )
