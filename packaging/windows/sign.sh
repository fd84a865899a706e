#!/usr/bin/env bash
# Authenticode-sign one Windows executable in place with osslsigncode (SHA-256), then verify it.
# The certificate: SIGN_PFX (a PKCS#12 file) with SIGN_PASSWORD, or SIGN_CERT + SIGN_KEY (PEM).
# SIGN_TIMESTAMP_URL adds an RFC 3161 timestamp (a release must have one, so the signature
# outlives the certificate); SIGN_CAFILE is the trust anchor for the verification (the test
# certificate itself in make installer-windows; the system store otherwise).
# makensis calls this for the uninstaller (!uninstfinalize) and the installer (!finalize).
set -euo pipefail
file="$1"
args=(-h sha256 -n "Paper Terminal" -i "https://paper-terminal.invalid/")
if [ -n "${SIGN_PFX:-}" ]; then
    args+=(-pkcs12 "$SIGN_PFX" -pass "${SIGN_PASSWORD:-}")
else
    args+=(-certs "${SIGN_CERT:?set SIGN_PFX or SIGN_CERT and SIGN_KEY}" -key "${SIGN_KEY:?}")
fi
[ -n "${SIGN_TIMESTAMP_URL:-}" ] && args+=(-ts "$SIGN_TIMESTAMP_URL")
osslsigncode sign "${args[@]}" -in "$file" -out "$file.signed" >/dev/null
mv "$file.signed" "$file"
verify=(osslsigncode verify -in "$file")
[ -n "${SIGN_CAFILE:-}" ] && verify+=(-CAfile "$SIGN_CAFILE")
"${verify[@]}" >/dev/null || { "${verify[@]}" >&2; exit 1; }
echo "signed and verified $(basename "$file")"
