"""The wheel that the Docker image installs carries the cards, prompts, pages and migrations."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_bundles_the_data_and_the_pages(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True, timeout=300)
    (wheel,) = tmp_path.glob("peilian-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    cards = {p.name for p in (ROOT / "personas").glob("*.yaml")}
    assert {n.rsplit("/", 1)[1] for n in names if n.startswith("app/_bundled/personas/")} == cards
    for needed in ("app/_bundled/prompts/phrases/zh.yaml", "app/_bundled/prompts/llm/system.j2",
                   "app/templates/chat.html", "app/static/chat.js", "app/static/scorecard.js",
                   "app/locale/zh/LC_MESSAGES/messages.po", "app/locale/en/LC_MESSAGES/messages.po", "app/storage/migrations/env.py", "scoring/rubrics/default.yaml",
                   "scoring/labeller/rules/zh.yaml", "scoring/advice/zh.yaml", "scoring/advice/en.yaml"):
        assert needed in names, needed
    assert any(n.startswith("app/storage/migrations/versions/0001") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "peilian = app.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
