#!/usr/bin/env bash
# Runs every test: typecheck, lint, unit tests (Node + Dawn on SwiftShader), end-to-end tests
# (Playwright + Debian Chromium with WebGPU on SwiftShader). Installs Chromium with apt-get if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
. scripts/ensure-deps.sh

if [ ! -x /usr/bin/chromium ] || ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  echo "› installing Debian's chromium and the Vulkan loader (apt-get)…"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium libvulkan1
fi
ensure_node_modules

# Dawn in Node finds SwiftShader through this ICD (src/engine/gpu/node-gpu.ts picks it when no GPU exists).
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"

step() { echo; echo "━━ $1"; }
step "typecheck (tsc --noEmit: app, and engine without the DOM lib)"
npm run --silent typecheck
step "lint + format check (Biome)"
npx biome check .
step "unit tests (Vitest, Node, WebGPU via Dawn)"
npx vitest run
step "end-to-end tests (Playwright, /usr/bin/chromium, WebGPU on SwiftShader)"
npx playwright test
echo
echo "all tests passed in $(( $(date +%s) - start )) s"
