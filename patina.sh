#!/bin/sh
# Sets Patina up on Debian 12 and runs it or its tests. Installs only what is missing, so it
# can be run any number of times.
#   ./patina.sh run    build, then open the app on the built-in demo data set (without a
#                      display: train the paper's CNN on it with patina-cli)
#   ./patina.sh test   build, then run the whole test suite
#   ./patina.sh build  build only (into ./build)
set -eu
cd "$(dirname "$0")"

PACKAGES="gcc libc6-dev pkg-config meson ninja-build libglib2.0-dev libgdk-pixbuf-2.0-dev libcairo2-dev
libopenblas-dev libjson-glib-dev libtiff-dev
libgtk-4-dev libadwaita-1-dev librsvg2-common fonts-cantarell xvfb xauth desktop-file-utils appstream-util gettext"

install_missing() {
  missing=""
  for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "patina.sh: installing$missing"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
}

build() {
  install_missing
  [ -f build/build.ninja ] || meson setup build
  meson compile -C build
}

case "${1:-}" in
  build)
    build ;;
  test)
    build
    meson test -C build --print-errorlogs ;;
  run)
    build
    if [ -x build/src/app/patina ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec ./build/src/app/patina --demo
    fi
    echo "patina.sh: no display to open the app on; training on the demo data with patina-cli"
    demo="${XDG_DATA_HOME:-$HOME/.local/share}/patina/demo"
    [ -d "$demo" ] || ./build/src/cli/patina-cli demo-data "$demo"
    ./build/src/cli/patina-cli train "$demo" -o "$demo/../demo-model.safetensors" --epochs 15
    ./build/src/cli/patina-cli evaluate --holdout "$demo/../demo-model.safetensors" "$demo" ;;
  *)
    echo "usage: $0 run|test|build" >&2
    exit 2 ;;
esac
