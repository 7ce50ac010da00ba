"""The layout rules of docs/ARCHITECTURE.md that import-linter cannot check.

import-linter (run by scripts/test before pytest) checks the import directions between
packages. What it cannot see at module level is checked here, by reading the source: web
never uses the database session, services never import under ``TYPE_CHECKING`` (a hidden
cycle), every journey in web/ has its package in services/, and no module is over 400 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

from gridapp import ROOT

GRIDAPP = ROOT / "gridapp"
WEB = GRIDAPP / "web"
SERVICES = GRIDAPP / "services"
MAX_LINES = 400


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _uses_db_session(tree: ast.AST) -> bool:
    """``from gridapp.extensions import db`` (under any name), or ``….extensions.db``."""
    for node in ast.walk(tree):
        imported = (
            isinstance(node, ast.ImportFrom)
            and node.module == "gridapp.extensions"
            and any(alias.name in ("db", "*") for alias in node.names)
        )
        attribute = (
            isinstance(node, ast.Attribute)
            and node.attr == "db"
            and ast.unparse(node.value).split(".")[-1] == "extensions"
        )
        if imported or attribute:
            return True
    return False


def test_web_never_uses_the_database_session() -> None:
    """Routes take data only from services (csrf, login_manager and api are fine)."""
    offenders = [
        _name(p) for p in _modules(WEB) if _uses_db_session(ast.parse(p.read_text(), str(p)))
    ]
    assert offenders == []


def test_services_import_nothing_under_type_checking() -> None:
    """A TYPE_CHECKING import in services hides an import cycle: put the shared types in a
    module of their own (e.g. services/editing/request.py)."""
    offenders = [_name(p) for p in _modules(SERVICES) if "TYPE_CHECKING" in p.read_text()]
    assert offenders == []


def test_every_web_journey_has_its_services_package() -> None:
    journeys = sorted(p.name for p in WEB.iterdir() if (p / "__init__.py").is_file())
    missing = [j for j in journeys if not (SERVICES / j / "__init__.py").is_file()]
    assert journeys  # the check is not vacuous
    assert missing == []


def test_no_module_in_gridapp_is_over_400_lines() -> None:
    """Split along responsibilities (an entry and its named steps), not at a line count."""
    too_long = {
        _name(p): n for p in _modules(GRIDAPP) if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert too_long == {}


# The front end's layout (templates/<journey>/ load their entry from static/js/<journey>/,
# no script over 400 lines, no import across journeys) is checked in test_static_layout.py.
