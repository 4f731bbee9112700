# Sourced by start.sh and test.sh: installs npm dependencies when node_modules is missing or stale.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "› installing npm dependencies (npm ci)…"
    npm ci --no-audit --no-fund
  fi
}
