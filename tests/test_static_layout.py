"""The front end's layout, read from the files (no database, no browser): one folder per
journey in ``templates/`` and ``static/js/``, shared modules in ``static/js/common/``, every
import resolvable, no import across journeys, no module over 400 lines."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
JS = ROOT / "static" / "js"
COMMON = "common"
MAX_LINES = 400

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
SRC = re.compile(r"""\bsrc\s*=\s*(["'])(.*?)\1""", re.DOTALL)
STATIC_FILE = re.compile(r"""filename\s*=\s*["']([^"']+)["']|/static/([^"'\s{}]+)""")
# import/export ... from '...' (over several lines too), import '...', import('...')
IMPORTS = (
    re.compile(r"""^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]""", re.MULTILINE),
    re.compile(r"""^\s*import\s*['"]([^'"]+)['"]""", re.MULTILINE),
    re.compile(r"""\bimport\(\s*['"]([^'"]+)['"]\s*\)"""),
)


def journeys() -> list[str]:
    """A journey is a folder of templates/ (map, editing, quality, ...)."""
    return sorted(p.name for p in TEMPLATES.iterdir() if p.is_dir())


def modules() -> list[Path]:
    return sorted(JS.rglob("*.js"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def module_scripts(template: Path) -> list[str]:
    """Paths below static/ of the module scripts a template loads (`js/map/page.js`)."""
    out = []
    for attrs in SCRIPT_TAG.findall(template.read_text(encoding="utf-8")):
        src = SRC.search(attrs)
        if not src:
            continue
        found = STATIC_FILE.search(src.group(2))
        path = (found.group(1) or found.group(2)) if found else src.group(2)
        if path.startswith("js/"):
            assert re.search(r"""\btype\s*=\s*["']module["']""", attrs), (
                f"{rel(template)} loads {path} as a classic script: our scripts are ES modules"
            )
            out.append(path)
    return out


def imports(module: Path) -> list[str]:
    source = module.read_text(encoding="utf-8")
    return [m for pattern in IMPORTS for m in pattern.findall(source)]


def folder(module: Path) -> str:
    return module.relative_to(JS).parts[0]


def test_the_layout_has_journeys_and_modules() -> None:
    # guards the other tests against passing on an empty or moved tree
    assert {"map", "editing", "quality", "organisations", "coverage", "auth"} <= set(journeys())
    assert len(modules()) >= 20
    assert (JS / COMMON / "api.js").is_file()


def test_every_module_sits_in_a_journey_folder_or_common() -> None:
    allowed = set(journeys()) | {COMMON}
    for module in modules():
        parts = module.relative_to(JS).parts
        assert len(parts) == 2, f"{rel(module)}: static/js/<journey or common>/<name>.js only"
        assert parts[0] in allowed, (
            f"{rel(module)}: static/js/{parts[0]}/ is neither common/ nor a journey "
            f"(a folder of templates/: {', '.join(journeys())})"
        )


@pytest.mark.parametrize("journey", journeys())
def test_journey_pages_load_their_entry_from_their_own_folder(journey: str) -> None:
    for template in sorted((TEMPLATES / journey).rglob("*.html")):
        for script in module_scripts(template):
            assert script.startswith(f"js/{journey}/"), (
                f"{rel(template)} loads {script}: a {journey} page loads its entry "
                f"from static/js/{journey}/"
            )
            assert (ROOT / "static" / script).is_file(), f"{rel(template)}: {script} is missing"


def test_shared_templates_load_only_common_modules() -> None:
    shared = [t for t in TEMPLATES.glob("*.html")]
    assert any(t.name == "base.html" for t in shared)
    for template in shared:
        for script in module_scripts(template):
            assert script.startswith(f"js/{COMMON}/"), (
                f"{rel(template)} (every page) loads {script}: only static/js/common/ fits"
            )
            assert (ROOT / "static" / script).is_file(), f"{rel(template)}: {script} is missing"


@pytest.mark.parametrize("module", modules(), ids=lambda p: p.relative_to(JS).as_posix())
def test_every_import_is_relative_and_resolves(module: Path) -> None:
    for spec in imports(module):
        assert spec.startswith(("./", "../")), (
            f"{rel(module)} imports {spec!r}: browsers resolve only relative paths here"
        )
        target = (module.parent / spec).resolve()
        assert target.is_file(), f"{rel(module)} imports {spec}, which does not exist"
        assert target.is_relative_to(JS), f"{rel(module)} imports {spec}, outside static/js"


@pytest.mark.parametrize("module", modules(), ids=lambda p: p.relative_to(JS).as_posix())
def test_no_import_across_journeys(module: Path) -> None:
    home = folder(module)
    for spec in imports(module):
        target = (module.parent / spec).resolve()
        if not target.is_relative_to(JS):
            continue  # reported by the test above
        there = folder(target)
        if home == COMMON:
            assert there == COMMON, (
                f"{rel(module)} imports {spec}: common/ serves every journey, depends on none"
            )
        else:
            assert there in (home, COMMON), (
                f"{rel(module)} imports {spec}: a journey imports only its own modules and "
                "../common/ (move a piece two journeys need to static/js/common/)"
            )


def test_no_module_over_400_lines() -> None:
    long = {
        rel(m): n
        for m in modules()
        if (n := len(m.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their responsibilities: {long}"


def test_every_module_is_used() -> None:
    used = {
        (ROOT / "static" / script).resolve()
        for template in TEMPLATES.rglob("*.html")
        for script in module_scripts(template)
    }
    for module in modules():
        used |= {(module.parent / spec).resolve() for spec in imports(module)}
    unused = [rel(m) for m in modules() if m.resolve() not in used]
    assert not unused, f"loaded by no page and imported by no module: {unused}"
