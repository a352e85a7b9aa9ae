"""The shared environment never enters the repository: a worktree links .venv and .tools to the
main checkout's, and a committed link replaced the main checkout's real directories with links
to themselves (every helper's tests stopped). Ignored as files and links too, not only as
directories."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", [".venv", ".tools"])
def test_the_environment_is_ignored_and_untracked(name: str) -> None:
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)

    assert git("ls-files", "--", name).stdout == ""
    assert git("check-ignore", "-q", "--no-index", name).returncode == 0  # also as a link
