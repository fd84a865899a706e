"""The NSIS installer script compiles (Debian's makensis) and its signatures verify (osslsigncode).

Runs packaging/windows/build-installer.sh --placeholder: a placeholder bundle, a throw-away
self-signed code-signing certificate, the uninstaller signed by !uninstfinalize and the
installer by !finalize, both verified against the certificate. Skipped where the tools are
missing (make installer-windows installs them as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not all(shutil.which(t) for t in ("makensis", "osslsigncode", "openssl")),
    reason="needs makensis, osslsigncode and openssl (make installer-windows installs them)",
)
def test_installer_compiles_and_both_signatures_verify(tmp_path):
    env = {**os.environ, "INSTALLER_WORK": str(tmp_path)}
    for name in ("SIGN_PFX", "SIGN_CERT", "SIGN_KEY", "SIGN_COMMAND"):
        env.pop(name, None)
    done = subprocess.run(
        [str(ROOT / "packaging" / "windows" / "build-installer.sh"), "--placeholder"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    setup = next(tmp_path.glob("PaperTerminal-*-setup.exe"))
    assert setup.read_bytes()[:2] == b"MZ"
    lines = done.stdout.splitlines()
    assert any(line.startswith("signed and verified makensis") for line in lines)  # the uninstaller
    assert f"signed and verified {setup.name}" in lines and "Signature verification: ok" in lines
    verify = subprocess.run(
        ["osslsigncode", "verify", "-CAfile", str(tmp_path / "test-cert" / "cert.pem"), "-in", str(setup)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0 and "Signature verification: ok" in verify.stdout
    tampered = tmp_path / "tampered.exe"
    data = bytearray(setup.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    assert (
        subprocess.run(
            ["osslsigncode", "verify", "-CAfile", str(tmp_path / "test-cert" / "cert.pem"), "-in", str(tampered)],
            capture_output=True,
            check=False,
        ).returncode
        != 0
    )
