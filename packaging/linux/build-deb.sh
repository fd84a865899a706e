#!/usr/bin/env bash
# Package dist/paper-terminal (packaging/build.sh) as dist/paper-terminal_<version>_<arch>.deb and
# dist/paper-terminal-<version>-linux-<machine>.tar.gz.
#
# The .deb installs the bundle under /opt/paper-terminal, links /usr/bin/paper-terminal to it,
# and adds the .desktop entry and the icons (hicolor theme). It has no maintainer scripts: dpkg's
# own triggers refresh the menu and icon caches. Depends lists the system libraries Qt loads
# at run time (not bundled), and the glibc the bundle needs, read from its ELF symbol versions.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=dist/paper-terminal
[ -x "$bundle/paper-terminal" ] || { echo "no bundle at $bundle: run packaging/build.sh (make dist) first" >&2; exit 1; }
version=$(cat dist/VERSION)
arch=$(dpkg --print-architecture)
machine=$(uname -m)

# The newest GLIBC_x.y symbol version any bundled ELF file asks for = the oldest glibc it runs on.
glibc=$(find "$bundle" -type f \( -name '*.so*' -o -perm -u+x \) -print0 \
        | { xargs -0 objdump -T 2>/dev/null || true; } | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1 | cut -d_ -f2)
[ -n "$glibc" ] || { echo "could not read the glibc version the bundle needs" >&2; exit 1; }
echo "$glibc" > dist/GLIBC

root=build/deb/root
rm -rf build/deb && mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
    "$root/usr/share/doc/paper-terminal"
cp -a "$bundle" "$root/opt/paper-terminal"
ln -s /opt/paper-terminal/paper-terminal "$root/usr/bin/paper-terminal"
install -m 644 packaging/linux/paper-terminal.desktop "$root/usr/share/applications/"
for size in 16 24 32 48 64 128 256 512; do
    install -D -m 644 "resources/icons/paper-terminal-$size.png" \
        "$root/usr/share/icons/hicolor/${size}x${size}/apps/paper-terminal.png"
done
install -D -m 644 resources/icons/paper-terminal.svg "$root/usr/share/icons/hicolor/scalable/apps/paper-terminal.svg"
cat > "$root/usr/share/doc/paper-terminal/copyright" <<TXT
Paper Terminal $version. Proprietary; the bundled third-party libraries keep their own
licences (their metadata is under /opt/paper-terminal/_internal/*.dist-info).
TXT
find "$root" -type d -exec chmod 755 {} +

# Qt's xcb and Wayland platform plugins and OpenGL load these at run time (pitfalls.md);
# fontconfig-config: without it Qt prints "Fontconfig error: Cannot load default config file".
depends="libc6 (>= $glibc), libegl1, libgl1, libfontconfig1, fontconfig-config, libfreetype6, libdbus-1-3, \
libxkbcommon0, libxkbcommon-x11-0, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-keysyms1, \
libxcb-image0, libxcb-render-util0, libxcb-xkb1, libxcb-shape0, libxcb-randr0, libxcb-xinerama0, \
libxcb-xfixes0, libxcb-sync1, libxcb-render0, libxcb-shm0, libxcb-util1 | libxcb-util0, \
libwayland-client0, libwayland-cursor0, libwayland-egl1"
cat > "$root/DEBIAN/control" <<TXT
Package: paper-terminal
Version: $version
Architecture: $arch
Maintainer: Paper Terminal <packaging@paper-terminal.invalid>
Installed-Size: $(du -sk "$root" | cut -f1)
Depends: $depends
Recommends: xdg-utils
Section: misc
Priority: optional
Homepage: https://paper-terminal.invalid/
Description: desktop terminal for forward-testing forex trading signals on paper
 Paper Terminal opens a charting and order window over a paper broker that
 fills, stops and journals trades like MetaTrader, serves a local REST and
 WebSocket API, and replays signal files against recorded prices. This package
 ships the self-contained bundle (Python included) under /opt/paper-terminal.
TXT

deb="dist/paper-terminal_${version}_${arch}.deb"
tarball="dist/paper-terminal-${version}-linux-${machine}.tar.gz"
# Both archives compress at once (one core each); gzip members: every dpkg reads them.
tar -C dist --owner=0 --group=0 -czf "$tarball" paper-terminal &
tar_pid=$!
dpkg-deb --root-owner-group -Zgzip -z6 --build "$root" "$deb" >/dev/null
wait "$tar_pid"
rm -rf build/deb
echo "built $deb ($(du -h "$deb" | cut -f1)) and $tarball ($(du -h "$tarball" | cut -f1)); needs glibc >= $glibc"
