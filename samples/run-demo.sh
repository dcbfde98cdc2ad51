#!/usr/bin/env bash
# The end-to-end demo (the README's first command). Offline, no API key: the model answers come from the
# cassettes recorded in samples/TextKit/product/llmc/cassettes/ (a hand-written transcript, see
# samples/TextKit/transcript/README.md).
#
#   1. packs the LlmCompiler.Build package from a copy of this checkout into a local folder feed;
#   2. copies the TextKit product into a scratch git repository outside this checkout;
#   3. dotnet build -t:PlanWorkOrders   (spec -> validated work orders; the plan is committed)
#   4. dotnet build -t:Factory          (each work order executed in an isolated worktree, landed as a commit)
#   5. dotnet test of the product's own tests, then a short report.
#
# This checkout is never modified (the package is built from a copy). Everything goes to one scratch folder,
# printed at the start and kept for inspection (LLMC_DEMO_DIR chooses it).
#
# Re-recording the executor cassettes (maintainers only; needs python3): see samples/TextKit/record-cassettes.sh.
set -euo pipefail

checkout="$(cd "$(dirname "$0")/.." && pwd)"
work="${LLMC_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/llmc-demo.XXXXXX")}"
mode="${LLMC_DEMO_MODE:-replay}"
endpoint="${LLMC_DEMO_ENDPOINT:-}"
# Where the Factory step records in record/auto mode: outside the product repository, whose tree must stay clean.
factory_cassettes="${LLMC_DEMO_FACTORY_CASSETTES:-}"
version="0.1.0-demo.$(date -u +%Y%m%d%H%M%S)"
mkdir -p "$work"
log="$work/demo.log"
: >"$log"

step() { printf '\n==> %s\n' "$*"; }
run() {
  # Full output goes to the log; on failure its tail is shown.
  if ! "$@" >>"$log" 2>&1; then
    echo "FAILED: $*" >&2
    tail -n 60 "$log" >&2
    echo "full log: $log" >&2
    exit 1
  fi
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# A private package folder: the demo's package version never lands in the user's NuGet cache.
export NUGET_PACKAGES="$work/packages"
# The demo must not depend on (or leak) a real key; replay needs none.
unset OPENAI_API_KEY

echo "LlmCompiler demo: scratch folder $work (mode: $mode)"

step "1/5 Packing LlmCompiler.Build $version into a local feed"
mkdir -p "$work/source"
if git -C "$checkout" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # A file deleted in the working tree but still in the index is skipped, not an error: the copy is what you see.
  (cd "$checkout" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$work/source"
else
  (cd "$checkout" && tar --exclude=bin --exclude=obj --exclude=.git -cf - .) | tar -xf - -C "$work/source"
fi
run dotnet pack "$work/source/src/LlmCompiler.Build.Tasks" -c Release -o "$work/feed" -p:Version="$version" -nologo
echo "    $(ls "$work/feed")"

step "2/5 Creating the TextKit product repository"
# nuget.config sits above the repository: inside it, it would be part of the planner's repository hints and
# change the recorded request.
product="$work/products/TextKit"
mkdir -p "$product"
cp -a "$checkout/samples/TextKit/product/." "$product/"
cat >"$work/products/nuget.config" <<NUGET
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="LlmCompiler.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
NUGET
git -C "$product" init -q -b main
git -C "$product" -c user.name="TextKit Dev" -c user.email="dev@textkit.example" add -A
git -C "$product" -c user.name="TextKit Dev" -c user.email="dev@textkit.example" commit -q -m "TextKit: spec and build host"
export GIT_AUTHOR_NAME="TextKit Dev" GIT_AUTHOR_EMAIL="dev@textkit.example" GIT_COMMITTER_NAME="TextKit Dev" GIT_COMMITTER_EMAIL="dev@textkit.example"

props=(-p:LlmcPackageVersion="$version" -p:LlmcMode="$mode" -nologo)
[ -n "$endpoint" ] && props+=(-p:LlmcEndpoint="$endpoint")
[ -n "$endpoint" ] && export OPENAI_API_KEY="sk-demo-recording-not-a-real-key"

step "3/5 dotnet build -t:PlanWorkOrders"
(cd "$product" && run dotnet build -t:PlanWorkOrders "${props[@]}")
grep -E "PlanWorkOrders|CompileWorkOrders|: (warning|error) " "$log" | grep -v "^\s*$" | tail -n 20 || true
git -C "$product" add -A
git -C "$product" commit -q -m "Plan: work orders compiled from spec/textkit.md"

step "4/5 dotnet build -t:Factory"
factory_props=("${props[@]}")
[ -n "$factory_cassettes" ] && factory_props+=(-p:LlmcCassettesDir="$factory_cassettes")
(cd "$product" && run dotnet build -t:Factory "${factory_props[@]}")
grep -E "Factory: (WO-[0-9]{2} |.*LLM call)" "$log" | sed 's/^ *//' | tail -n 20 || true

step "5/5 dotnet test (the product's own tests)"
(cd "$product" && run dotnet test tests/TextKit.Tests/TextKit.Tests.csproj -nologo)
grep -E "^(Passed|Failed)!" "$log" | tail -n 1

step "Report"
echo "Planned work orders:"
for wo in "$product"/workorders/WO-*.json; do
  id="$(basename "$wo" .json)"
  title="$(sed -n 's/^  "title": "\(.*\)",$/\1/p' "$wo" | head -n 1)"
  exempt="$(sed -n 's/^  "verify_exempt": \(.*\),$/\1/p' "$wo" | head -n 1)"
  echo "  $id  $title$([ "$exempt" = true ] && echo '  (verify-exempt: the tests it needs do not exist yet)')"
done
echo "Landed commits (newest first):"
git -C "$product" log --format='  %h %s  [%(trailers:key=Llmc-Run,valueonly,separator=%x2C )]' --grep='^Work-Order:' -n 10
# The PlanWorkOrders and Factory totals ("… LLM call(s) …, N tokens in / N out, $X"): add them up.
grep -hE 'LLM call\(s\)' "$log" | grep -oE '[0-9]+ tokens in / [0-9]+ out, \$[0-9.]+' | awk '
  { tin += $1; tout += $5; gsub(/[$,]/, "", $7); usd += $7 }
  END { printf "Model use: %d tokens in / %d out, $%.4f as recorded", tin, tout, usd }'
if [ "$mode" = replay ]; then echo " (replayed from cassettes: nothing was spent now)"; else echo; fi
echo "Product tests: $(grep -E '^(Passed|Failed)!' "$log" | tail -n 1 | sed 's/ - TextKit.Tests.dll.*//')"
echo "Scratch repository: $product"
echo "Build log: $log"
