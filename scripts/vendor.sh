#!/usr/bin/env bash
# Reproduce static/vendor/: third-party browser code, pinned, copied from the npm registry.
# The servers have no internet, so nothing is loaded from a CDN; whitenoise serves these files.
set -euo pipefail
cd "$(dirname "$0")/.."

CHARTJS_VERSION=4.6.1
# The npm registry's sha512 integrity of chart.js-4.6.1.tgz (`npm view chart.js@4.6.1 dist.integrity`).
CHARTJS_INTEGRITY="sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g=="

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(cd "$work" && npm pack "chart.js@${CHARTJS_VERSION}" --silent | tail -1)
actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
if [ "$actual" != "$CHARTJS_INTEGRITY" ]; then
    echo "chart.js tarball integrity mismatch: $actual" >&2
    exit 1
fi
tar -xzf "$work/$tarball" -C "$work"

target=static/vendor/chartjs
mkdir -p "$target"
# The source map is not shipped: drop its reference, or collectstatic's manifest storage
# fails looking for the missing .map file.
grep -v '^//# sourceMappingURL=' "$work/package/dist/chart.umd.min.js" >"$target/chart.umd.min.js"
cp "$work/package/LICENSE.md" "$target/LICENSE.md"
echo "chart.js ${CHARTJS_VERSION} -> $target"
