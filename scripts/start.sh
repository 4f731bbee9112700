#!/usr/bin/env bash
# Starts the studio: installs what it needs, then serves it with Vite on http://localhost:5173.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ensure-deps.sh
ensure_node_modules
echo "› Splat studio: http://localhost:5173  (Ctrl+C stops it)"
exec npx vite --host 127.0.0.1 --port 5173 --strictPort
