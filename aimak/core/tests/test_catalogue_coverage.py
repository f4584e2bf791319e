"""Every string the code marks for translation is translated in ky and ru.

The catalogue test in test_pages_and_languages.py only sees what is already in the .po files;
a template added without running makemessages would show English on Kyrgyz pages unnoticed.
This runs makemessages over the code into a copy of the catalogues and looks for gaps."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

REPO = Path(settings.BASE_DIR)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_every_marked_string_is_translated(tmp_path):
    shutil.copytree(REPO / "locale", tmp_path / "locale", ignore=shutil.ignore_patterns("*.mo", "pending"))
    (tmp_path / "aimak").symlink_to(REPO / "aimak", target_is_directory=True)
    (tmp_path / "coverage_settings.py").write_text(
        "from aimak.settings import *  # noqa\n"
        f"LOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "ky", "-l", "ru", "--symlinks", "--no-obsolete",
         "--ignore=aimak/static/*"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{tmp_path}:{REPO}", "DJANGO_SETTINGS_MODULE": "coverage_settings",
             "AIMAK_VAR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr + result.stdout
    gaps = {}
    for lang in ("ky", "ru"):
        po = polib.pofile(str(tmp_path / "locale" / lang / "LC_MESSAGES" / "django.po"))
        missing = [e.msgid for e in po if not e.obsolete and (e.fuzzy or not e.translated())]
        if missing:
            gaps[lang] = missing
    assert not gaps, {lang: (len(ids), ids[:15]) for lang, ids in gaps.items()}


def test_translation_functions_keep_names_makemessages_knows():
    """``gettext as _t`` hides strings from xgettext: they would never reach the catalogues."""
    import re

    known = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext",
             "npgettext_lazy", "gettext_noop"}
    aliased = []
    for path in (REPO / "aimak").rglob("*.py"):
        for match in re.finditer(r"from django\.utils\.translation import ([^\n]+)", path.read_text()):
            for name in match.group(1).split(","):
                parts = name.replace("(", "").replace(")", "").split(" as ")
                if len(parts) == 2 and parts[1].strip() not in known:
                    aliased.append(f"{path.relative_to(REPO)}: {name.strip()}")
    assert not aliased, aliased
