#!/usr/bin/env bash
# Packages dist/ the way Grafana's plugin catalogue expects: a zip whose only top-level folder
# is the plugin id, backend binaries executable. Run `make build` first (frontend + every
# backend binary). Output: artifacts/<id>-<version>.zip and its .sha1.
#
# Grafana's plugin validator could not be run here: the npm package @grafana/plugin-validator
# downloads its binary from GitHub (no network), and the Go module proxy answers
# "403 This module version is not available." for github.com/grafana/plugin-validator
# (@v/list, @latest and v0.20.0 asked on 2026-11-24). Run it where it is reachable:
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
