"""Every setting lives in marketplace/config.py and the README's configuration table (static scan)."""

from __future__ import annotations

import re
from pathlib import Path

from marketplace.config import load_config

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "marketplace"

#: `config["X"]`, `config.get("X"`, `config.setdefault("X"` and media storage's `_setting(app, "X")`.
READ = re.compile(
    r"""(?:config(?:\[|\.get\(|\.setdefault\()|_setting\(\s*app,)\s*["']([A-Z][A-Z0-9_]+)["']"""
)
#: `env.get("X"`, `environ.get("X"`, `_int("X"`, `os.getenv("X"`, `environ["X"]`.
ENV_READ = re.compile(
    r"""(?:env|environ)(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']|_int\(\s*["']([A-Z][A-Z0-9_]+)["']"""
)


ENVIRONMENT = re.compile(r"os\.environ|getenv\(")


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "translations" not in p.parts)


def test_every_config_key_read_in_the_package_is_defined_by_config_py(tmp_path):
    defined = set(load_config({}, instance_path=str(tmp_path)))
    read = {
        (key, str(path.relative_to(ROOT)))
        for path in _sources()
        for key in READ.findall(path.read_text(encoding="utf-8"))
    }
    assert read, "the scan found nothing: the pattern is broken"
    missing = sorted((key, where) for key, where in read if key not in defined)
    assert missing == [], "define these in marketplace/config.py (read from the environment there)"


def test_only_config_and_the_launchers_read_the_environment():
    allowed = {PACKAGE / "config.py", PACKAGE / "serve.py"}
    readers = [
        str(path.relative_to(ROOT))
        for path in _sources()
        if path not in allowed
        and re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text(encoding="utf-8"))
    ]
    assert readers == []


def test_every_environment_variable_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Configuration")
    table = readme[start : readme.index("\n## ", start + 1)]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", table))
    names = set()
    for path in (PACKAGE / "config.py", PACKAGE / "serve.py", ROOT / "gunicorn.conf.py"):
        for pair in ENV_READ.findall(path.read_text(encoding="utf-8")):
            names.update(name for name in pair if name)
    assert "SECRET_KEY" in names and "WEB_CONCURRENCY" in names, "the scan found too little"
    assert sorted(names - documented) == []
