#!/usr/bin/env bash
# Packages dist/ the way Grafana's plugin catalogue expects: a zip whose only top-level folder
# is the plugin id, backend binaries executable. Run `make build` first (frontend + every
# backend binary). Output: artifacts/<id>-<version>.zip and its .sha1.
#
# Grafana's plugin validator then checks the zip (its npm package downloads the validator's
# binary from GitHub when it runs, so it needs that network access; the GitHub workflow runs it):
#   npx -y @grafana/plugin-validator@latest -sourceCodeUri file://$PWD artifacts/<zip>
set -euo pipefail
cd "$(dirname "$0")/.."
id=$(sed -n 's/^ *"id": *"\([^"]*\)".*/\1/p' dist/plugin.json | head -1)
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' dist/plugin.json | head -1)
[ -n "$id" ] && [ -n "$version" ] || { echo "package: dist/plugin.json missing or without id/version; run make build" >&2; exit 1; }
[ -f dist/gpx_redis_persistence_linux_amd64 ] || { echo "package: no linux/amd64 binary in dist/; run make build" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r dist "$stage/$id"
chmod 0755 "$stage/$id"/gpx_redis_persistence_*
mkdir -p artifacts
zip_path="$PWD/artifacts/$id-$version.zip"
rm -f "$zip_path"
(cd "$stage" && zip -qr -X "$zip_path" "$id")
(cd artifacts && sha1sum "$(basename "$zip_path")" >"$(basename "$zip_path").sha1")
echo "$zip_path"
