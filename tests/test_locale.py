"""French is a first-class language: the catalogue is complete and covers every string."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _incomplete(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (e.fuzzy or not e.translated())]


def test_french_catalogue_has_no_empty_or_fuzzy_entries():
    po = polib.pofile(str(PO))
    assert len(po) > 100
    assert _incomplete(po) == []


def test_french_catalogue_covers_every_string_in_the_source(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("xgettext (Debian package gettext) is required in CI")
        pytest.skip("xgettext is not installed (Debian package gettext)")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT, copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", "staticfiles", "media", "*.sqlite3*"),
    )
    env = {**os.environ, "DJANGO_DEBUG": "1", "DJANGO_SETTINGS_MODULE": "organizing.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "--ignore", "tests/*",
         "--ignore", "bench/*"],
        cwd=copy, env=env, check=True, capture_output=True,
    )
    po = polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    assert _incomplete(po) == []
