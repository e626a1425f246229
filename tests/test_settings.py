"""One settings loader: every file checked, before any flow or Prefect server starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newswash.errors import NewswashError
from newswash.settings import load_settings

SAMPLE = Path(__file__).resolve().parents[1] / "samples"


def _newswash(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "newswash.cli", *args], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.parametrize(("files", "said"), [
    ({"c.toml": "[fetch]\nretires = 3\n"}, "unknown key [fetch] retires"),
    ({"c.toml": "[dedupe]\nsettings = 'x'\n"}, "unknown section [dedupe]"),
    ({"c.toml": "[pipeline]\nbatch_size = 'big'\n"}, "[pipeline] batch_size must be an integer"),
    ({"c.toml": "[pipeline]\nbatch_size = 0\n"}, "[pipeline] batch_size must be at least 1, not 0"),
    ({"c.toml": "[pipeline]\nbatch_chars = -1\n"}, "[pipeline] batch_chars must be at least 0, not -1"),
    ({"c.toml": "[dedup]\nsettings = 'd.toml'\n", "d.toml": 'num_perm = "lots"\n'},
     "[dedup] num_perm must be an integer, not 'lots'"),
    ({"c.toml": "[dedup]\nsettings = 'd.toml'\n", "d.toml": "bands = 3\n"}, "unknown key [dedup] bands"),
    ({"c.toml": "[cleaning]\nrules = 'r.toml'\n", "r.toml": '[[rules]]\nname = "x"\nregex = "(unclosed"\n'},
     "rule 'x': bad regex"),
    ({"c.toml": "[cleaning]\nrules = 'r.toml'\n", "r.toml": '[[rules]]\nname = "x"\nexact = "a"\nmaxlen = 3\n'},
     "rule 'x': unknown keys ['maxlen']"),
    ({"c.toml": "[cleaning]\nrules = 'r.toml'\n", "r.toml": "[boilerplate]\nmin_articles = 2.5\n"},
     "[boilerplate] min_articles must be an integer"),
])
def test_a_bad_setting_is_one_line_naming_file_and_key_before_anything_starts(
        tmp_path: Path, files: dict[str, str], said: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    bad = next(tmp_path / n for n in files if n != "c.toml") if len(files) > 1 else tmp_path / "c.toml"
    with pytest.raises(NewswashError) as caught:
        load_settings(tmp_path / "c.toml")
    assert str(bad) in str(caught.value) and said in str(caught.value)

    result = _newswash(tmp_path, "ingest", str(SAMPLE), "--config", str(tmp_path / "c.toml"),
                       "--db", str(tmp_path / "wh.duckdb"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and said in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "prefect-home").exists()  # no Prefect server was started
    assert not (tmp_path / "wh.duckdb").exists()


def test_a_users_file_overrides_key_by_key_over_the_bundled_defaults(tmp_path: Path) -> None:
    (tmp_path / "c.toml").write_text("[fetch]\nretries = 7\n[dedup]\nsettings = 'd.toml'\n")
    (tmp_path / "d.toml").write_text("threshold = 0.5\n")
    settings, default = load_settings(tmp_path / "c.toml"), load_settings()
    assert settings.fetch.retries == 7 and settings.fetch.timeout == default.fetch.timeout
    assert settings.dedup.threshold == 0.5 and settings.dedup.num_perm == default.dedup.num_perm
