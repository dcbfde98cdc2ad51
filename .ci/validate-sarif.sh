#!/usr/bin/env bash
# Checks that `llmc verify --format sarif` passes Microsoft's SARIF Multitool `validate` with zero errors under the
# GitHub rule set (what code-scanning upload requires) and the SARIF rule set. Not part of .ci/run or the tests:
# it installs the validator from the npm registry, and the tests never touch the network beyond NuGet.
#
#   .ci/validate-sarif.sh            # exit 0 when both rule sets report no error
#
# The validator is cached in $LLMC_SARIF_TOOLS (default ~/.cache/llmc/sarif-multitool-<version>).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
version="5.7.0"
tools="${LLMC_SARIF_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/llmc/sarif-multitool-$version}"
multitool="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== building the CLI"
dotnet build "$root/src/LlmCompiler.Cli" -c Release -o "$work/cli" -nologo -v quiet

# The TextKit sample plan, broken in several ways: errors and warnings of different codes, in a folder whose name
# needs percent-encoding. node rather than jq, because npm (needed below anyway) brings it.
echo "== writing a plan with findings"
mkdir -p "$work/repo/my plans"
node - "$root/samples/TextKit/transcript/planner/attempt-1.json" "$work/repo/my plans/plan.json" <<'JS'
const fs = require('fs');
const [source, target] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(source, 'utf8'));
const [wo1, wo2, wo3, wo4] = plan.work_orders;
wo1.forbiden = wo1.forbidden;                                                     // W102, and E005 (missing)
delete wo1.forbidden;
wo2.title = 42;                                                                   // E005
wo2.acceptance_commands.push('dotnet test tests/TextKit.Tests > log.txt');        // E003
wo2.preconditions.push({ kind: 'file_exists', path: 'src/TextKit/Parser.cs' });  // E101
wo3.context_files.push('src/*.cs', 'src/TextKit/Mising.cs');                      // E004, W105
wo4.id = 'WO-05';                                                                 // E001
plan.verify_contract.requires.push({ kind: 'file_exists', path: 'tests/TextKit.Tests/Integration.cs' }); // E106
fs.writeFileSync(target, JSON.stringify(plan, null, 2) + '\n');
JS

echo "== llmc verify --format sarif"
status=0
# Its summary line (stderr) goes to this script's output; the log (stdout) to the file.
(cd "$work/repo" && dotnet "$work/cli/llmc.dll" verify "my plans/plan.json" --format sarif 2>&1 >"$work/llmc.sarif") || status=$?
if [ "$status" -ne 2 ]; then
  echo "llmc verify exited with $status; expected 2 (the plan has errors)" >&2
  exit 1
fi
# A log with few findings would prove little: insist on errors and warnings of several codes.
node - "$work/llmc.sarif" <<'JS'
const results = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')).runs[0].results;
const codes = new Set(results.map(r => r.ruleId));
const levels = new Set(results.map(r => r.level));
console.log(`  ${results.length} result(s), codes ${[...codes].sort().join(' ')}`);
if (codes.size < 6 || !levels.has('error') || !levels.has('warning')) {
  console.error('the plan no longer produces errors and warnings of at least six codes; update the edits above');
  process.exit(1);
}
JS

if [ ! -x "$multitool" ]; then
  echo "== installing @microsoft/sarif-multitool-linux@$version into $tools"
  mkdir -p "$tools"
  # --ignore-scripts: the package's postinstall only sets the execute bit, and scripts may be blocked; chmod below.
  npm install --prefix "$tools" --no-save --no-audit --no-fund --ignore-scripts "@microsoft/sarif-multitool-linux@$version" >/dev/null
  chmod u+x "$multitool"
fi

errors=0
for kind in Gh Sarif; do
  command=("$multitool" validate "$work/llmc.sarif" --rule-kind "$kind" --level "Error;Warning;Note"
    --output "$work/validate-$kind.sarif" --log ForceOverwrite)
  echo "== $(printf '%q ' "${command[@]}")"
  # The validator exits 0 whatever it finds, so the verdict comes from its own SARIF output.
  "${command[@]}" >"$work/validate-$kind.log" 2>&1 || { cat "$work/validate-$kind.log" >&2; exit 1; }
  node - "$work/validate-$kind.sarif" "$work/errors-$kind" <<'JS'
const fs = require('fs');
const [validation, errorCount] = process.argv.slice(2);
const findings = JSON.parse(fs.readFileSync(validation, 'utf8')).runs.flatMap(run => run.results ?? []);
const levels = { error: 0, warning: 0, note: 0 };
for (const f of findings) {
  const level = f.level ?? 'warning';   // SARIF §3.27.10: an absent level is a warning
  levels[level] = (levels[level] ?? 0) + 1;
  if (level !== 'note') {
    const where = f.locations?.[0]?.physicalLocation?.region?.startLine;
    console.log(`  ${level} ${f.ruleId} (line ${where ?? '?'}): ${JSON.stringify(f.message.arguments ?? f.message.text ?? '')}`);
  }
}
const byRule = {};
for (const f of findings.filter(f => (f.level ?? 'warning') === 'note')) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
console.log(`  ${levels.error} error(s), ${levels.warning} warning(s), ${levels.note} note(s)` +
  (Object.keys(byRule).length ? ` [notes: ${Object.entries(byRule).map(([r, n]) => `${r} x${n}`).join(', ')}]` : ''));
fs.writeFileSync(errorCount, String(levels.error));
JS
  count="$(cat "$work/errors-$kind")"
  echo "$kind rule set: $count error(s)"
  errors=$((errors + count))
done

if [ "$errors" -ne 0 ]; then
  echo "FAILED: $errors SARIF validation error(s)" >&2
  exit 1
fi
echo "OK: no SARIF validation errors under the GitHub and SARIF rule sets"
