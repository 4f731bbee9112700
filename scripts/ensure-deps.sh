# Sourced by start.sh and test.sh: installs npm dependencies when node_modules is missing or stale.
# `npm install` rather than `npm ci`: the lock lists optional per-platform binaries (Biome's) that some
# registry mirrors lack, which `npm ci` treats as a lock mismatch; `npm install` skips them as optional.
ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "› installing npm dependencies…"
    npm install --no-audit --no-fund
  fi
}
