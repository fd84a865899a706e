#!/usr/bin/env bash
# Build the Windows installer dist/PaperTerminal-<version>-setup.exe with NSIS (packaging/windows/paper-terminal.nsi).
#
#   build-installer.sh               around dist/paper-terminal (the Windows bundle of packaging/build.sh)
#   build-installer.sh --placeholder around a placeholder bundle: how Linux checks that the script
#                                    compiles and that signing works (make installer-windows)
# Signing (packaging/windows/sign.sh) happens when SIGN_PFX or SIGN_CERT/SIGN_KEY is set; with
# --placeholder and neither, a throw-away self-signed test certificate is made and used, and the
# signatures of the installer and of the uninstaller inside it are verified against it.
set -euo pipefail
cd "$(dirname "$0")/../.."
placeholder=0; [ "${1:-}" = "--placeholder" ] && placeholder=1
makensis=${MAKENSIS:-makensis}
if [ -f dist/VERSION ]; then version=$(cat dist/VERSION)
else version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1); fi

bundle=dist/paper-terminal
out=dist/PaperTerminal-${version}-setup.exe
if [ "$placeholder" = 1 ]; then
    work=${INSTALLER_WORK:-build/windows-placeholder}
    bundle=$work/paper-terminal
    out=$work/PaperTerminal-${version}-setup.exe
    rm -rf "$work" && mkdir -p "$bundle/_internal"
    printf 'placeholder: the release workflow puts the real Windows bundle here\n' > "$bundle/_internal/README.txt"
    printf 'MZ placeholder' > "$bundle/Paper Terminal.exe"
    printf 'MZ placeholder' > "$bundle/paper-terminal.exe"
    if [ -z "${SIGN_PFX:-}${SIGN_CERT:-}" ]; then
        certs=$work/test-cert
        mkdir -p "$certs"
        openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Paper Terminal test signing" \
            -addext "extendedKeyUsage=codeSigning" -addext "keyUsage=digitalSignature" \
            -keyout "$certs/key.pem" -out "$certs/cert.pem" 2>/dev/null
        export SIGN_CERT="$certs/cert.pem" SIGN_KEY="$certs/key.pem" SIGN_CAFILE="$certs/cert.pem"
    fi
fi
[ -f "$bundle/Paper Terminal.exe" ] || { echo "no Windows bundle at $bundle (build it on Windows, or use --placeholder)" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
abs() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
defines=(-DVERSION="$version" -DBUNDLE="$(abs "$bundle")" -DOUTFILE="$(abs "$out")")
if [ -n "${SIGN_COMMAND:-}" ]; then          # e.g. signtool on Windows (packaging/windows/sign.ps1)
    defines+=(-DSIGN="$SIGN_COMMAND")
elif [ -n "${SIGN_PFX:-}${SIGN_CERT:-}" ]; then
    defines+=(-DSIGN="$PWD/packaging/windows/sign.sh \"%1\"")
fi
"$makensis" -NOCD -V2 -WX "${defines[@]}" packaging/windows/paper-terminal.nsi
if [ -z "${SIGN_COMMAND:-}" ] && [ -n "${SIGN_PFX:-}${SIGN_CERT:-}" ]; then
    report=$(osslsigncode verify ${SIGN_CAFILE:+-CAfile "$SIGN_CAFILE"} -in "$out") \
        || { echo "$report" >&2; echo "the installer's signature does not verify" >&2; exit 1; }
    grep -E "^Signature verification" <<<"$report"
fi
echo "built $out ($(du -h "$out" | cut -f1))"
