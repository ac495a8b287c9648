import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import bcc_sponsor.settings"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = run_settings(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_it_starts_with_a_secret_key():
    assert run_settings(DEBUG="false", SECRET_KEY="x" * 50).returncode == 0


def test_it_starts_in_debug_without_a_secret_key():
    assert run_settings(DEBUG="true").returncode == 0


def test_it_runs_in_bali_time_in_both_languages():
    from django.conf import settings

    assert settings.TIME_ZONE == "Asia/Makassar"
    assert [code for code, _ in settings.LANGUAGES] == ["en", "id"]
