#!/usr/bin/env bash
# Builds, from Go modules at the versions pinned in rehearsal/versions.env, the real tools that a
# local rehearsal of the Pulumi program needs (Pulumi CLI, provider plugins, etcd, Kubernetes
# control plane, kwok) and fetches the CRDs it applies. Everything goes into a cache folder
# OUTSIDE the repository, keyed by a hash of versions.env + this script + `go version`, so a
# second run reuses it and takes seconds.
#
#   rehearsal/build-tools.sh                 build what is missing, print reused/built per tool
#   rehearsal/build-tools.sh --print-dir     print the cache folder for this key and exit
#   rehearsal/build-tools.sh --only etcd     build only the named tool(s) (repeatable)
#   rehearsal/build-tools.sh --list          list the tool names
#   rehearsal/build-tools.sh --retry-unavailable   try again the tools recorded as unavailable
#
# Layout: ${OLOGYWOOD_TOOLS_CACHE:-$HOME/.cache/ologywood-tools}/
#   go/mod, go/build          GOMODCACHE and GOCACHE, shared by every key (reused across keys)
#   <key>/bin/<tool>          the binaries
#   <key>/crds/*.yaml         CRDs
#   <key>/src/<tool>/         the scratch go.mod/go.sum each binary was built from (provenance)
#   <key>/logs/<tool>.log     full output of the last build attempt of each tool
#   <key>/manifest.d/<tool>.json and <key>/tools.json (the manifest; see docs/rehearsal.md)
#
# Each tool is built in its own scratch Go module (in a temporary folder under the cache root),
# so one build's dependency versions never raise another's; the result is renamed into place
# only when the build and its version check succeeded. Nothing outside the cache root is
# written, and nothing is deleted that this script did not create.
#
# Exit status: 0 when every tool is built, reused, or recorded as unavailable (the Go module
# proxy refuses its module); 1 on any unexpected error (the log of that tool is printed).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"
VERSIONS_FILE="$HERE/versions.env"
# versions.env is plain VAR=value lines (checked with `shellcheck -x`).
# shellcheck source=versions.env source-path=SCRIPTDIR disable=SC1091
. "$VERSIONS_FILE"

TOOLS=(
    pulumi pulumi-resource-pulumi-nodejs pulumi-language-nodejs pulumi-analyzer-policy
    etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl crds
    pulumi-resource-kubernetes pulumi-resource-command pulumi-resource-random pulumi-resource-postgresql
)

usage() { sed -n '2,13p' "$SELF" | sed 's/^# \{0,1\}//'; }

print_dir=false
retry_unavailable=false
only=()
while (($#)); do
    case "$1" in
        --print-dir) print_dir=true ;;
        --only) [[ $# -ge 2 ]] || { echo "--only needs a tool name" >&2; exit 2; }; only+=("$2"); shift ;;
        --only=*) only+=("${1#--only=}") ;;
        --retry-unavailable) retry_unavailable=true ;;
        --list) printf '%s\n' "${TOOLS[@]}"; exit 0 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
for t in "${only[@]}"; do
    [[ " ${TOOLS[*]} " == *" $t "* ]] || { echo "unknown tool: $t (see --list)" >&2; exit 2; }
done

command -v go >/dev/null || { echo "go is not on PATH" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is not on PATH (apt-get install jq)" >&2; exit 1; }

CACHE_ROOT=${OLOGYWOOD_TOOLS_CACHE:-$HOME/.cache/ologywood-tools}
GO_VERSION=$(go env GOVERSION)
KEY=$( { cat "$VERSIONS_FILE" "$SELF"; echo "$GO_VERSION"; } | sha256sum | cut -c1-16)
DIR="$CACHE_ROOT/$KEY"

if $print_dir; then
    echo "$DIR"
    exit 0
fi

export GOMODCACHE="$CACHE_ROOT/go/mod"
export GOCACHE="$CACHE_ROOT/go/build"
export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0
export GOFLAGS="-mod=mod -buildvcs=false"
mkdir -p "$GOMODCACHE" "$GOCACHE" "$CACHE_ROOT/tmp" "$DIR/bin" "$DIR/manifest.d" "$DIR/logs" "$DIR/src"

WORKDIRS=()
cleanup() {
    local w
    for w in "${WORKDIRS[@]}"; do
        [[ -d "$w" ]] || continue
        chmod -R u+w "$w" 2>/dev/null || true
        rm -rf "$w"
    done
}
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------
# Helpers used inside a builder. A builder runs in a subshell with the current directory set to
# its scratch folder; it leaves its artifact at ./out/<tool> and writes ./meta.module and
# ./meta.version. It exits 3 after calling `unavailable` when the tool cannot be had here.

# unavailable COMMAND ERROR: record why the tool cannot be built, then exit 3.
unavailable() {
    local error="$2${UNAVAILABLE_NOTE:+ [$UNAVAILABLE_NOTE]}"
    jq -n --arg command "$1" --arg error "$error" '{command: $command, error: $error}' > unavailable.json
    echo "UNAVAILABLE: $1" >&2
    echo "$error" >&2
    exit 3
}

# moddir MODULE@VERSION: download a module (zip into GOMODCACHE) and print its folder. A refusal
# by the proxy (403/404/410, "not available", unknown revision) is recorded as unavailable; any
# other failure is an unexpected error.
moddir() {
    local out err cmd
    cmd="go mod download -json $1"
    mkdir -p dl
    if out=$(cd dl && GOFLAGS="" go mod download -json "$1" 2>dl.stderr); then
        jq -r .Dir <<<"$out"
        return 0
    fi
    err=$(jq -r '.Error // empty' <<<"$out" 2>/dev/null || true)
    [[ -n "$err" ]] || err=$(cat dl/dl.stderr)
    echo "$cmd: $err" >&2
    case "$err" in
        *"not available"*|*403*|*404*|*410*|*"unknown revision"*|*"invalid version"*|*"no matching versions"*)
            unavailable "$cmd" "$err" ;;
    esac
    exit 1
}

meta() { printf '%s' "$2" > "meta.$1"; }

# scratch_module NAME UPSTREAM_GOMOD LOCAL_VERSION: start go.mod in ./mod with the go line and
# godebug settings of an upstream go.mod, and copy its replace directives. A replace pointing
# at a local folder (../sdk, ./staging/...) is turned into the same module at LOCAL_VERSION
# (the release of that folder published from the same tag), except the `=> ./FORBIDDEN_DEPENDENCY`
# guards; a module-to-module replace is copied as it is.
scratch_module() {
    local name=$1 upstream=$2 localver=$3 json goline
    mkdir -p mod
    json=$(go mod edit -json "$upstream")
    goline=$(jq -r '.Go' <<<"$json")
    (
        cd mod
        go mod init "ologywood.local/rehearsal/$name" >/dev/null 2>&1
        go mod edit -go="$goline"
        local g
        while IFS= read -r g; do
            [[ -n "$g" ]] && go mod edit -godebug="$g"
        done < <(jq -r '(.Godebug // [])[] | "\(.Key)=\(.Value)"' <<<"$json")
        local old oldv new newv
        # "|" as separator: with a tab (whitespace) in IFS, read would merge empty fields.
        while IFS='|' read -r old oldv new newv; do
            [[ -n "$oldv" ]] && old="$old@$oldv"
            if [[ -z "$newv" && "$new" == *FORBIDDEN_DEPENDENCY ]]; then
                continue  # etcd's guard against depending on a module at all; nothing to map
            elif [[ -z "$newv" ]]; then
                go mod edit -replace="$old=${old%@*}@$localver"
            else
                go mod edit -replace="$old=$new@$newv"
            fi
        done < <(jq -r '(.Replace // [])[] | [.Old.Path, (.Old.Version // ""), .New.Path, (.New.Version // "")] | join("|")' <<<"$json")
    )
}

# ---------------------------------------------------------------------------------------------
# Builders.

build_pulumi() {
    local pkg sdk
    pkg=$(moddir "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION")
    sdk=$(moddir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")
    [[ -d "$sdk" ]]
    # pkg/go.mod: `replace .../sdk/v3 => ../sdk` becomes sdk/v3 at the same version.
    scratch_module pulumi "$pkg/go.mod" "$PULUMI_VERSION"
    (
        cd mod
        go mod edit -require="github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
        go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION"
        # Same tags and version stamp as upstream's .goreleaser.yml.
        go build -trimpath -tags osusergo,grpcnotrace \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
            -o ../out/pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    )
    meta module "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION"
    meta version "$PULUMI_VERSION"
}

build_pulumi-resource-pulumi-nodejs() {
    # The dynamic-provider shim that the official CLI archive ships; it is an upstream file in
    # the sdk/v3 module (nodejs/dist/), not written here.
    local sdk
    sdk=$(moddir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")
    mkdir -p out
    cp "$sdk/nodejs/dist/pulumi-resource-pulumi-nodejs" out/
    chmod 0755 out/pulumi-resource-pulumi-nodejs
    meta module "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION (nodejs/dist/pulumi-resource-pulumi-nodejs)"
    meta version "$PULUMI_VERSION"
}

build_pulumi-analyzer-policy() {
    local sdk f=nodejs/dist/pulumi-analyzer-policy
    sdk=$(moddir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION")
    if [[ ! -f "$sdk/$f" ]]; then
        unavailable "test -f \$(go mod download -json github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION | jq -r .Dir)/$f" \
            "not in the module zip (nodejs/dist holds only: $(cd "$sdk/nodejs/dist" && echo *)). At this version node policy packs are started by the pulumi-language-nodejs plugin (RunPlugin with @pulumi/pulumi/cmd/run-policy-pack); without a language plugin the engine looks for pulumi-analyzer-policy-nodejs, which no module ships."
    fi
    mkdir -p out
    cp "$sdk/$f" out/
    chmod 0755 out/pulumi-analyzer-policy
    meta module "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION ($f)"
    meta version "$PULUMI_VERSION"
}

build_pulumi-language-nodejs() {
    local m="$PULUMI_LANGUAGE_NODEJS_MODULE" lang
    lang=$(moddir "$m@$PULUMI_LANGUAGE_NODEJS_QUERY")
    scratch_module pulumi-language-nodejs "$lang/go.mod" "$PULUMI_VERSION"
    (
        cd mod
        go get "$m@$PULUMI_LANGUAGE_NODEJS_QUERY"
        go build -trimpath -tags osusergo,grpcnotrace \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
            -o ../out/pulumi-language-nodejs "$m"
    )
    meta module "$m@$PULUMI_LANGUAGE_NODEJS_QUERY"
    meta version "$PULUMI_VERSION"
}

build_pulumi-resource-kubernetes() {
    local m="$KUBERNETES_PROVIDER_MODULE" v="$KUBERNETES_PROVIDER_MODULE_VERSION" p
    p=$(moddir "$m@$v")
    scratch_module pulumi-resource-kubernetes "$p/go.mod" "$KUBERNETES_SDK_VERSION"
    # main.go embeds schema-embed.json and terraform-mapping-embed.json, which upstream makes
    # with `go generate` (generate.go stamps the version into the committed schema.json) and
    # git-ignores; do the same here on copies of the upstream files.
    cp "$p/cmd/pulumi-resource-kubernetes/main.go" "$p/cmd/pulumi-resource-kubernetes/generate.go" \
        "$p/cmd/pulumi-resource-kubernetes/schema.json" "$p/cmd/pulumi-resource-kubernetes/terraform-mapping.json" mod/
    chmod u+w mod/*
    (
        cd mod
        go get "$m@$v"
        VERSION="$KUBERNETES_PROVIDER_VERSION" go generate ./main.go
        rm schema.json terraform-mapping.json
        go build -trimpath \
            -ldflags "-s -w -X $m/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
            -o ../out/pulumi-resource-kubernetes .
        rm schema-embed.json terraform-mapping-embed.json
    )
    meta module "$m@$v"
    meta version "$KUBERNETES_PROVIDER_VERSION"
}

build_pulumi-resource-command() {
    local root
    root=$(moddir "github.com/pulumi/pulumi-command@v$COMMAND_PROVIDER_VERSION")
    [[ -d "$root" ]]
    if [[ ! -d "$root/provider" ]]; then
        UNAVAILABLE_NOTE="github.com/pulumi/pulumi-command@v$COMMAND_PROVIDER_VERSION is served, but at that tag the repository root has no go.mod and its zip holds no Go code: the provider is the nested module $COMMAND_PROVIDER_MODULE"
    fi
    moddir "$COMMAND_PROVIDER_MODULE@$COMMAND_PROVIDER_QUERY" >/dev/null
    echo "unexpected: $COMMAND_PROVIDER_MODULE is served now; write its build recipe" >&2
    exit 1
}

build_pulumi-resource-random() {
    moddir "$RANDOM_PROVIDER_MODULE@$RANDOM_PROVIDER_QUERY" >/dev/null
    echo "unexpected: $RANDOM_PROVIDER_MODULE is served now; write its build recipe" >&2
    exit 1
}

build_pulumi-resource-postgresql() {
    moddir "$POSTGRESQL_PROVIDER_MODULE@$POSTGRESQL_PROVIDER_QUERY" >/dev/null
    echo "unexpected: $POSTGRESQL_PROVIDER_MODULE is served now; write its build recipe" >&2
    exit 1
}

build_etcd() {
    local s
    s=$(moddir "go.etcd.io/etcd/server/v3@$ETCD_VERSION")
    # server/go.mod replaces its sibling modules (../api, ../client/v3, ...) with folders; take
    # them at the same tag.
    scratch_module etcd "$s/go.mod" "$ETCD_VERSION"
    # The real main (etcd/main.go in the root module) is just this call.
    printf 'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n' > mod/main.go
    local sha=""
    sha=$(jq -r '.Origin.Hash // empty' "$GOMODCACHE/cache/download/go.etcd.io/etcd/server/v3/@v/$ETCD_VERSION.info" 2>/dev/null || true)
    (
        cd mod
        go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
        go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${sha:0:9}" -o ../out/etcd .
    )
    meta module "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    meta version "$ETCD_VERSION"
}

# One scratch module per binary; all four use the same recipe.
build_kube() {
    local cmd=$1 k minor commit date
    k=$(moddir "k8s.io/kubernetes@$KUBERNETES_VERSION")
    minor=${KUBERNETES_VERSION#v1.}
    minor=${minor%%.*}
    # Every k8s.io/* staging module is replaced by ./staging/src/k8s.io/<name>; the same folder
    # is published as k8s.io/<name> v0.<minor>.<patch>.
    scratch_module "$cmd" "$k/go.mod" "v0.${KUBERNETES_VERSION#v1.}"
    commit=$(jq -r '.Origin.Hash // empty' "$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/$KUBERNETES_VERSION.info" 2>/dev/null || true)
    date=$(jq -r '.Time' "$GOMODCACHE/cache/download/k8s.io/kubernetes/@v/$KUBERNETES_VERSION.info")
    # The variables that hack/lib/version.sh (kube::version::ldflags) sets, for both packages;
    # like upstream, gitCommit and gitTreeState only when the commit is known (the proxy's .info
    # for k8s.io/kubernetes carries no Origin hash), buildDate = the tag's time (reproducible).
    local ld=() pkgv
    for pkgv in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ld+=("-X $pkgv.gitVersion=$KUBERNETES_VERSION" "-X $pkgv.gitMajor=1" "-X $pkgv.gitMinor=$minor"
             "-X $pkgv.buildDate=$date")
        [[ -n "$commit" ]] && ld+=("-X $pkgv.gitCommit=$commit" "-X $pkgv.gitTreeState=clean")
    done
    (
        cd mod
        go get "k8s.io/kubernetes/cmd/$cmd@$KUBERNETES_VERSION"
        # Flags and tags of a non-debug build in hack/lib/golang.sh (build_binaries): -trimpath,
        # -s -w, tags selinux,notest,grpcnotrace; CGO_ENABLED=0 as for its static binaries.
        go build -trimpath -tags selinux,notest,grpcnotrace -ldflags "all=-s -w ${ld[*]}" \
            -o "../out/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    )
    meta module "k8s.io/kubernetes@$KUBERNETES_VERSION (cmd/$cmd)"
    meta version "$KUBERNETES_VERSION"
}
build_kube-apiserver() { build_kube kube-apiserver; }
build_kube-controller-manager() { build_kube kube-controller-manager; }
build_kube-scheduler() { build_kube kube-scheduler; }
build_kubectl() { build_kube kubectl; }

build_kwok_cmd() {
    local cmd=$1 k
    k=$(moddir "sigs.k8s.io/kwok@$KWOK_VERSION")
    scratch_module "$cmd" "$k/go.mod" "$KWOK_VERSION"
    (
        cd mod
        go get "sigs.k8s.io/kwok/cmd/$cmd@$KWOK_VERSION"
        # As hack/releases.sh does; KubeVersion set to the Kubernetes built here, so kwokctl's
        # defaults (feature gates, flags) match the binaries it is given.
        go build -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${KUBERNETES_VERSION#v}" \
            -o "../out/$cmd" "sigs.k8s.io/kwok/cmd/$cmd"
    )
    meta module "sigs.k8s.io/kwok@$KWOK_VERSION (cmd/$cmd)"
    meta version "$KWOK_VERSION"
}
build_kwok() { build_kwok_cmd kwok; }
build_kwokctl() { build_kwok_cmd kwokctl; }

build_crds() {
    local p
    p=$(moddir "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION")
    mkdir -p out/crds
    cp "$p"/example/prometheus-operator-crd/*.yaml out/crds/
    chmod 0644 out/crds/*.yaml
    local k
    for k in prometheusrules servicemonitors podmonitors alertmanagerconfigs; do
        [[ -f "out/crds/monitoring.coreos.com_$k.yaml" ]] || { echo "missing CRD $k" >&2; exit 1; }
    done
    meta module "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION (example/prometheus-operator-crd)"
    meta version "$PROMETHEUS_OPERATOR_VERSION"
}

# How each binary proves it runs (first line is kept in the manifest).
version_check() {
    local t=$1 bin=$2
    case "$t" in
        pulumi) "$bin" version ;;
        kubectl) "$bin" version --client ;;
        etcd|kube-*|kwok|kwokctl) "$bin" --version ;;
        pulumi-resource-kubernetes) "$bin" --version 2>&1 || true ;;
        pulumi-resource-pulumi-nodejs|pulumi-analyzer-policy) head -1 "$bin" ;;
        crds) (cd "$bin" && ls) ;;
        *) "$bin" --version ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# Runner.

du_bytes() { du -sb "$@" 2>/dev/null | awk '{s+=$1} END {printf "%.0f\n", s}'; }

failed=()
built=0
reused=0
run_tool() {
    local t=$1 frag="$DIR/manifest.d/$1.json" status
    if [[ -f "$frag" ]]; then
        status=$(jq -r .status "$frag")
        if [[ "$status" == built && -e "$(jq -r .path "$frag")" ]] || [[ "$status" == unavailable && $retry_unavailable == false ]]; then
            printf '%-30s reused (%s, built in %ss)\n' "$t" "$status" "$(jq -r .build_seconds "$frag")"
            reused=$((reused + 1))
            return 0
        fi
    fi
    local work log="$DIR/logs/$t.log" start end rc cache_before cache_after
    work=$(mktemp -d "$CACHE_ROOT/tmp/$KEY.$t.XXXXXX")
    WORKDIRS+=("$work")
    printf '%-30s building ... ' "$t"
    cache_before=$(du_bytes "$GOMODCACHE" "$GOCACHE")
    start=$(date +%s)
    set +e
    (
        set -euo pipefail
        cd "$work"
        mkdir -p out
        "build_$t"
    ) >"$log" 2>&1
    rc=$?
    set -e
    end=$(date +%s)
    cache_after=$(du_bytes "$GOMODCACHE" "$GOCACHE")
    local secs=$((end - start)) growth=$((cache_after - cache_before))
    if [[ $rc -eq 3 ]]; then
        jq --arg tool "$t" --argjson s "$secs" '{tool: $tool, status: "unavailable", build_seconds: $s} + .' \
            "$work/unavailable.json" > "$work/frag.json"
        mv -f "$work/frag.json" "$frag"
        printf 'unavailable after %ss (see tools.json)\n' "$secs"
        return 0
    fi
    if [[ $rc -ne 0 ]]; then
        printf 'FAILED after %ss (exit %s); log: %s\n' "$secs" "$rc" "$log"
        tail -n 40 "$log" | sed 's/^/    | /'
        failed+=("$t")
        return 0
    fi
    local artifact="$work/out/$t" dest check
    if [[ -d "$artifact" ]]; then dest="$DIR/$t"; else dest="$DIR/bin/$t"; fi
    if ! check=$(version_check "$t" "$artifact" 2>&1 | head -n 1); then
        printf 'FAILED: version check of %s\n' "$artifact"
        failed+=("$t")
        return 0
    fi
    # Atomic placement: rename the checked artifact into the key folder, then its manifest entry.
    if [[ -d "$dest" && -d "$artifact" ]]; then
        local old="$dest.old.$$"
        mv "$dest" "$old" && WORKDIRS+=("$old")
    fi
    mv -f "$artifact" "$dest"
    rm -rf "$DIR/src/$t.new" && mkdir -p "$DIR/src/$t.new"
    local f
    for f in "$work"/mod/go.mod "$work"/mod/go.sum "$work"/mod/main.go; do
        [[ -f "$f" ]] && cp "$f" "$DIR/src/$t.new/"
    done
    rm -rf "$DIR/src/$t" && mv "$DIR/src/$t.new" "$DIR/src/$t"
    jq -n --arg tool "$t" --arg version "$(cat "$work/meta.version")" --arg path "$dest" \
        --arg modver "$(cat "$work/meta.module")" --argjson s "$secs" \
        --argjson size "$(du_bytes "$dest")" --argjson growth "$growth" --arg check "$check" \
        --arg built_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        '{tool: $tool, status: "built", version: $version, path: $path, module: $modver,
          build_seconds: $s, size_bytes: $size, cache_growth_bytes: $growth, version_check: $check,
          built_at: $built_at}' > "$work/frag.json"
    mv -f "$work/frag.json" "$frag"
    printf 'built in %ss (%s bytes; module+build cache grew %s bytes): %s\n' "$secs" "$(jq -r .size_bytes "$frag")" "$growth" "$check"
    built=$((built + 1))
}

echo "tools cache: $DIR (key from versions.env + build-tools.sh + $GO_VERSION)"
selected=("${TOOLS[@]}")
((${#only[@]})) && selected=("${only[@]}")
for t in "${selected[@]}"; do
    run_tool "$t"
done

# The manifest: every fragment of this key, assembled and renamed into place.
shopt -s nullglob
fragments=("$DIR"/manifest.d/*.json)
shopt -u nullglob
jq -n --arg key "$KEY" --arg dir "$DIR" --arg go "$GO_VERSION" --arg mod "$GOMODCACHE" --arg cache "$GOCACHE" \
    --arg versions "$VERSIONS_FILE" \
    '[inputs] as $all | {key: $key, dir: $dir, bin: ($dir + "/bin"), crds: ($dir + "/crds"), go_version: $go,
      gomodcache: $mod, gocache: $cache, versions_file: $versions,
      tools: [$all[] | select(.status == "built") | del(.status)],
      unavailable: [$all[] | select(.status == "unavailable") | {tool, command, error}]}' \
    "${fragments[@]}" > "$DIR/tools.json.tmp.$$"
mv -f "$DIR/tools.json.tmp.$$" "$DIR/tools.json"

echo "built $built, reused $reused, failed ${#failed[@]}; manifest: $DIR/tools.json"
if ((${#failed[@]})); then
    echo "unexpected failures: ${failed[*]}" >&2
    exit 1
fi
