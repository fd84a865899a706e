#!/usr/bin/env bash
# macOS: sign "dist/Paper Terminal.app" (packaging/build.sh made it), wrap it in a .dmg, sign,
# notarise and staple the .dmg. One architecture per run (arm64 and x86_64 are built on their
# own runners; the bundle needs the build machine's architecture and macOS version or newer).
#
# Signing needs MACOS_SIGN_IDENTITY ("Developer ID Application: NAME (TEAMID)") in the keychain;
# notarisation needs NOTARY_APPLE_ID, NOTARY_TEAM_ID and NOTARY_PASSWORD (an app-specific
# password). Without them the .dmg is built unsigned (pull requests, forks) and says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
app="dist/Paper Terminal.app"
version=$(cat dist/VERSION)
arch=$(uname -m)
dmg="dist/PaperTerminal-${version}-macos-${arch}.dmg"
[ -d "$app" ] || { echo "no $app: run packaging/build.sh on macOS first" >&2; exit 1; }

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    # Inside out: every Mach-O in the bundle, then the app, with the hardened runtime and a
    # secure timestamp (both required by notarisation). --deep is not used: it signs nested code
    # without the entitlements and Apple advises against it.
    find "$app/Contents" -type f \( -name '*.so' -o -name '*.dylib' -o -perm -u+x \) -print0 |
        xargs -0 -I{} codesign --force --timestamp --options runtime --sign "$MACOS_SIGN_IDENTITY" {}
    codesign --force --timestamp --options runtime --entitlements packaging/macos/entitlements.plist \
        --sign "$MACOS_SIGN_IDENTITY" "$app"
    codesign --verify --strict --verbose=2 "$app"
else
    echo "MACOS_SIGN_IDENTITY is not set: building an UNSIGNED .dmg (Gatekeeper will refuse it)"
fi

rm -f "$dmg"
hdiutil create -volname "Paper Terminal" -srcfolder "$app" -fs HFS+ -format UDZO -ov "$dmg"

if [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
    codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
    if [ -n "${NOTARY_APPLE_ID:-}" ]; then
        xcrun notarytool submit "$dmg" --apple-id "$NOTARY_APPLE_ID" --team-id "$NOTARY_TEAM_ID" \
            --password "$NOTARY_PASSWORD" --wait
        xcrun stapler staple "$dmg"
        xcrun stapler validate "$dmg"
        spctl --assess --type open --context context:primary-signature --verbose=2 "$dmg"
    else
        echo "NOTARY_* not set: the .dmg is signed but not notarised"
    fi
fi
echo "built $dmg"
