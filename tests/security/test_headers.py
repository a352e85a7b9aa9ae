"""Item 6 in-process: the header set (secure's middleware) for http and https, and the CSP
built from the inline scripts of a build folder."""

from __future__ import annotations

import base64
import hashlib

from services.settings import get_settings
from webcert_ui import security


def test_hsts_only_over_https(monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "public_url", "http://127.0.0.1:3000")
    assert "Strict-Transport-Security" not in security.current_headers().headers
    monkeypatch.setattr(get_settings(), "public_url", "https://webcert.example.se")
    headers = security.current_headers().headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "wss://webcert.example.se" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in headers["Permissions-Policy"]


def test_the_csp_allows_exactly_the_builds_inline_scripts(tmp_path) -> None:
    (tmp_path / "sida").mkdir()
    (tmp_path / "index.html").write_text(
        '<script>window.a = 1;</script><script src="/x.js"></script>'
        '<script type="module">import "/m.js";</script>'
    )
    (tmp_path / "sida" / "b.html").write_text("<script>window.b = 2;</script><script></script>")
    hashes = security.inline_script_hashes(tmp_path)

    def h(body: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"

    assert hashes == sorted({h("window.a = 1;"), h('import "/m.js";'), h("window.b = 2;")})
    csp = security.content_security_policy(hashes, ["ws://h"])
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and h("window.a = 1;") in script_src
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
