#!/usr/bin/env bash
# Runs every test: typecheck, lint, unit tests (Node + Dawn on SwiftShader), end-to-end tests
# (Playwright + Debian Chromium with WebGPU on SwiftShader). Installs with apt-get what is missing:
# Chromium and the Vulkan loader, Debian's python3-torch + python3-onnx for tools/export's test, and
# libheif-examples (heif-enc) for the HEIC fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
. scripts/ensure-deps.sh

apt_packages=()
if [ ! -x /usr/bin/chromium ] || ! ldconfig -p | grep -q 'libvulkan.so.1 '; then
  apt_packages+=(chromium libvulkan1)
fi
# The exporters' test runs python3 (or Debian's /usr/bin/python3, where python3-torch installs) with torch.
if ! python3 -c 'import torch, onnx' 2>/dev/null && ! /usr/bin/python3 -c 'import torch, onnx' 2>/dev/null; then
  apt_packages+=(python3-torch python3-onnx)
fi
# HEIC fixtures (src/engine/io/heic.test.ts, e2e/heic.spec.ts) are made with heif-enc from libheif-examples.
if ! command -v heif-enc >/dev/null 2>&1; then
  apt_packages+=(libheif-examples)
fi
if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "› installing Debian's ${apt_packages[*]} (apt-get)…"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${apt_packages[@]}"
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
