"""Types shared by the services' queries."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy import Select

# A SELECT of any number of columns (SQLAlchemy 2.1 types Select by its column types).
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
