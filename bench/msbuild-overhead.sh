#!/usr/bin/env bash
# No-op build overhead of LlmCompiler.Build.
#
# Packs the package from this source tree (unique version, private NuGet package folder), creates two
# identical product repositories in temp folders, one referencing LlmCompiler.Build and one not, builds both
# once, then times RUNS interleaved no-op `dotnet build`s of each (VerifyContract up to date in the first)
# and prints the medians and their ratio. Target: <= 1.05.
#
# Product (LLMC_BENCH_PRODUCT): `sample` (default when samples/TextKit exists) is the TextKit sample's build
# host with the four work orders of its planner transcript; `classlib` is a small class library with three
# work orders.
#
# Usage: bench/msbuild-overhead.sh [RUNS] [extra dotnet build args, e.g. --no-restore]
# Nothing in the repository is modified; everything lives under a temp folder removed on exit.
set -euo pipefail

runs="${1:-11}"
shift || true
extra_args=("$@")

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/local-feed.sh
source "$repo_root/bench/lib/local-feed.sh"
work="$(mktemp -d "${TMPDIR:-/tmp}/llmc-overhead-XXXXXX")"
trap 'rm -rf "$work"' EXIT

export NUGET_PACKAGES="$work/packages"
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
version="0.0.0-bench.$(date +%Y%m%d%H%M%S).$$"

pack_local_feed "$repo_root" "$work/feed" "$version"

commit_all() { git -C "$1" add -A && git -C "$1" -c user.name=bench -c user.email=bench@invalid commit -q -m skeleton; }

make_classlib() { # dir with_package
  local dir="$1" with_package="$2"
  mkdir -p "$dir/src"
  git -C "$dir" init -q -b main
  write_nuget_config "$dir" "$work/feed"
  local reference=""
  if [ "$with_package" = yes ]; then
    reference="<ItemGroup><PackageReference Include=\"LlmCompiler.Build\" Version=\"$version\" /></ItemGroup>"
    mkdir -p "$dir/workorders"
    local i
    for i in 1 2 3; do
      cat >"$dir/workorders/WO-0$i.json" <<JSON
{
  "id": "WO-0$i",
  "title": "Create src/Part$i.cs",
  "intent": "Create src/Part$i.cs.",
  "preconditions": [{"kind": "file_absent", "path": "src/Part$i.cs"}],
  "postconditions": [{"kind": "file_exists", "path": "src/Part$i.cs"}],
  "allowed_files": ["src/Part$i.cs"],
  "forbidden": [],
  "acceptance_commands": ["dotnet build"],
  "context_files": [],
  "notes": null
}
JSON
    done
  fi
  cat >"$dir/Product.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>
  $reference
</Project>
XML
  printf 'namespace Product;\n\npublic static class Existing { public static int Answer => 42; }\n' >"$dir/src/Existing.cs"
  printf 'bin/\nobj/\n' >"$dir/.gitignore"
  commit_all "$dir"
}

make_sample() { # dir with_package
  local dir="$1" with_package="$2"
  mkdir -p "$dir"
  cp -R "$repo_root/samples/TextKit/product/." "$dir/"
  git -C "$dir" init -q -b main
  write_nuget_config "$dir" "$work/feed"
  mv "$dir/TextKit.Plan.csproj" "$dir/Product.csproj"
  if [ "$with_package" = yes ]; then
    # The plan of the sample's planner transcript, written out as the planner would (one file per work order).
    python3 - "$repo_root/samples/TextKit/transcript/planner/attempt-1.json" "$dir/workorders" <<'PY'
import json, os, sys
plan = json.load(open(sys.argv[1], encoding="utf-8"))
os.makedirs(sys.argv[2], exist_ok=True)
for wo in plan["work_orders"]:
    with open(os.path.join(sys.argv[2], wo["id"] + ".json"), "w", encoding="utf-8") as f:
        json.dump(wo, f, indent=2)
        f.write("\n")
manifest = {k: plan[k] for k in ("system_overview", "verify_contract")}
manifest["work_orders"] = plan["work_orders"]
with open(os.path.join(sys.argv[2], "WORK_ORDERS_MANIFEST.json"), "w", encoding="utf-8") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
PY
  else
    sed -i '/PackageReference Include="LlmCompiler.Build"/d' "$dir/Product.csproj"
  fi
  commit_all "$dir"
}

product="${LLMC_BENCH_PRODUCT:-}"
if [ -z "$product" ]; then
  if [ -d "$repo_root/samples/TextKit/product" ]; then product=sample; else product=classlib; fi
fi
make_product() { if [ "$product" = sample ]; then make_sample "$@"; else make_classlib "$@"; fi; }
make_product "$work/plain" no
make_product "$work/with" yes

build() { dotnet build "$1/Product.csproj" -nologo -v:q -nr:false -tl:off "-p:LlmcPackageVersion=$version" "${extra_args[@]}" >"$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; }

warm() { dotnet build "$1/Product.csproj" -nologo -v:q -nr:false -tl:off "-p:LlmcPackageVersion=$version" >"$work/last.log" 2>&1 || { cat "$work/last.log"; exit 1; }; }

echo "warming up ..."
for d in plain with; do warm "$work/$d"; build "$work/$d"; done
test -f "$work/with/obj/llmc/verify.stamp" || { echo "VerifyContract never ran" >&2; exit 1; }
if ! dotnet build "$work/with/Product.csproj" -nologo -v:q -nr:false -tl:off "-p:LlmcPackageVersion=$version" --no-restore -question >"$work/q.log" 2>&1; then
  cat "$work/q.log"; echo "the build with the package is not a no-op" >&2; exit 1
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
: >"$work/plain.txt"; : >"$work/with.txt"
for ((i = 1; i <= runs; i++)); do
  for d in plain with; do
    t0=$(now_ms); build "$work/$d"; t1=$(now_ms)
    echo $((t1 - t0)) >>"$work/$d.txt"
  done
done

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
range() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
m_plain=$(median "$work/plain.txt"); m_with=$(median "$work/with.txt")
echo "product: $product; runs: $runs interleaved, dotnet build ${extra_args[*]:-(with restore)}"
echo "without LlmCompiler.Build: median ${m_plain} ms (range $(range "$work/plain.txt") ms)"
echo "with LlmCompiler.Build:    median ${m_with} ms (range $(range "$work/with.txt") ms)"
awk -v a="$m_with" -v b="$m_plain" 'BEGIN { r = a / b; printf "median ratio (with / without): %.3f (target <= 1.05) %s\n", r, (r <= 1.05 ? "OK" : "ABOVE TARGET") }'
# On a shared machine the minimum is the least disturbed sample; printed as a cross-check, not the target.
min_plain=$(sort -n "$work/plain.txt" | head -1); min_with=$(sort -n "$work/with.txt" | head -1)
awk -v a="$min_with" -v b="$min_plain" 'BEGIN { printf "minimum ratio (cross-check): %.3f\n", a / b }'
