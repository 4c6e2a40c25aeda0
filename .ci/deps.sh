#!/usr/bin/env bash
# Installs the Debian packages luxc needs to build, test and run; quiet when all are present.
# Used by `make run` and `make test` (and so by .ci/run). Add a package here, never by hand.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config python3 clang lld mold
  antlr4 libantlr4-runtime-dev default-jre-headless
  llvm-15-dev libfmt-dev catch2 nlohmann-json3-dev libcli11-dev
  libboost1.81-dev libboost-context1.81-dev libboost-url1.81-dev
  libsqlite3-dev libssl-dev libcurl4-openssl-dev uuid-dev
  libclang-rt-14-dev wrk curl tzdata
  chromium
  libhiredis-dev redis-server
  libpq-dev postgresql
  libbrotli-dev zlib1g-dev brotli nginx-light
  # bench/tracing/callgrind.sh: instructions per request
  valgrind
  # the e2e case typed_routes makes RS256/ES256 keys and tokens with the openssl command
  # e2e/tls and runtime.session: throwaway certificates (openssl CLI)
  openssl
  # e2e/metrics: `promtool check metrics` and a Prometheus server scraping a program
  prometheus
  # editor tools: ctest lsp/completions parses the zsh and fish scripts (lsp/vscode_grammar runs
  # under the Node and npm that e2e/openapi uses; its npm packages are pinned in the test)
  zsh fish
)
# Node.js and npm: /docs embeds swagger-ui-dist from npm at build; the e2e cases run Node tools.
# A machine that already has them (e.g. from NodeSource) keeps its own; Debian's otherwise.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "luxc: missing packages: ${missing[*]} (run as root, or install them)" >&2
  exit 1
fi
echo "luxc: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
