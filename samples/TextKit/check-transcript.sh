#!/usr/bin/env bash
# Replays the hand-written TextKit transcript without any LLM and without LlmCompiler itself: applies the
# executor answers (transcript/executor/WO-NN.attempt-1.json) in plan order to a scratch copy of product/,
# checking what the factory checks (preconditions, write scope, base hashes before any write, postconditions),
# then runs the global verify command (for work orders that are not verify-exempt) and each work order's
# acceptance commands exactly as argv, the way the factory does. Exits non-zero on the first problem.
#
# Usage: samples/TextKit/check-transcript.sh [--keep]    (--keep leaves the scratch repository behind)
# Needs: bash, git, jq, sha256sum, dotnet (SDK 10); restores only MSTest 4.5.2 and Microsoft.NET.Test.Sdk 18.11.0.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
plan="$here/transcript/planner/attempt-1.json"
answers="$here/transcript/executor"
empty_sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

fail() { echo "check-transcript: FAIL: $*" >&2; exit 1; }
step() { echo "check-transcript: $*"; }

for tool in git jq sha256sum dotnet; do
  command -v "$tool" >/dev/null || fail "'$tool' is required but not on PATH"
done
[[ -f "$plan" ]] || fail "planner answer not found: $plan"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/textkit-transcript.XXXXXX")"
cleanup() {
  if $keep; then echo "check-transcript: scratch repository kept at $scratch/repo"; else rm -rf "$scratch"; fi
}
trap cleanup EXIT

repo="$scratch/repo"
mkdir -p "$repo"
cp -a "$here/product/." "$repo/"
cd "$repo"

# A real repository, so the script also proves what the factory relies on: each work order's files commit
# cleanly and its builds and test runs leave nothing untracked behind (.gitignore covers bin/, obj/, .llmc/).
git_() { git -c user.name=check-transcript -c user.email=check-transcript@localhost -c commit.gpgsign=false "$@"; }
git_ init -q -b main .
git_ add -A
git_ commit -q -m "TextKit: starting state"

# Commands run from the repository root, as the factory runs them: no shell, one log per command.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
run_argv() {
  local label="$1" command="$2" log
  # The contract forbids shell operators in commands; refuse anything this word split could misread.
  case "$command" in
    *[\'\"\\\|\&\;\<\>\`\$]*) fail "$label: command needs a shell or quoting: $command" ;;
  esac
  local -a argv
  read -r -a argv <<<"$command"
  ((${#argv[@]} > 0)) || fail "$label: empty command"
  log="$scratch/$(tr -c 'A-Za-z0-9' '_' <<<"$label").log"
  step "$label: ${argv[*]}"
  local started=$SECONDS
  if ! timeout 900 "${argv[@]}" </dev/null >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    fail "$label failed (log: $log; run with --keep to keep it)"
  fi
  step "$label: ok ($((SECONDS - started)) s)"
}

sha256_of() { if [[ -f "$1" ]]; then sha256sum -- "$1" | cut -d' ' -f1; else echo "$empty_sha256"; fi; }

requires_met() {
  local path
  while IFS= read -r path; do
    [[ -f "$path" ]] || return 1
  done < <(jq -r '.verify_contract.requires[]? | select(.kind == "file_exists") | .path' "$plan")
  return 0
}

verify_command="$(jq -r '.verify_contract.command // empty' "$plan")"
count="$(jq '.work_orders | length' "$plan")"
((count > 0)) || fail "the plan has no work orders"

for ((i = 0; i < count; i++)); do
  wo="$(jq -c ".work_orders[$i]" "$plan")"
  id="$(jq -r '.id' <<<"$wo")"
  answer="$answers/$id.attempt-1.json"
  [[ -f "$answer" ]] || fail "$id: executor answer not found: $answer"
  step "== $id: $(jq -r '.title' <<<"$wo")"

  # Preconditions, in declared order (the factory's gate before it asks the executor anything).
  while IFS=$'\t' read -r kind path; do
    case "$kind" in
      file_exists) [[ -f "$path" ]] || fail "$id: precondition file_exists($path) is false" ;;
      file_absent) [[ ! -f "$path" ]] || fail "$id: precondition file_absent($path) is false" ;;
      *) fail "$id: unknown precondition kind '$kind'" ;;
    esac
  done < <(jq -r '.preconditions[] | [.kind, .path] | @tsv' <<<"$wo")

  # Scope, duplicates and base hashes are all checked before anything is written.
  writes="$(jq '.writes | length' "$answer")"
  ((writes > 0)) || fail "$id: the answer has no writes"
  duplicates="$(jq -r '[.writes[].path] | group_by(.) | map(select(length > 1) | .[0]) | join(", ")' "$answer")"
  [[ -z "$duplicates" ]] || fail "$id: duplicate write paths: $duplicates"
  for ((k = 0; k < writes; k++)); do
    path="$(jq -r ".writes[$k].path" "$answer")"
    expected="$(jq -r ".writes[$k].base_sha256" "$answer")"
    jq -e --arg p "$path" '.allowed_files | index($p)' <<<"$wo" >/dev/null \
      || fail "$id: write outside allowed_files: $path"
    actual="$(sha256_of "$path")"
    [[ "$actual" == "$expected" ]] || fail "$id: stale base hash for $path: answer says $expected, file on disk is $actual"
    content_checks="$(jq -r ".writes[$k].content | [endswith(\"\n\"), (contains(\"\r\") | not)] | all" "$answer")"
    [[ "$content_checks" == "true" ]] || fail "$id: $path must use LF line endings and end with a newline"
  done
  for ((k = 0; k < writes; k++)); do
    path="$(jq -r ".writes[$k].path" "$answer")"
    mkdir -p -- "$(dirname -- "$path")"
    jq -j ".writes[$k].content" "$answer" >"$path.tmp"
    mv -f -- "$path.tmp" "$path"
    step "$id: wrote $path ($(wc -c <"$path") bytes, sha256 $(sha256_of "$path"))"
  done

  # Global verification first (skipped while the verify contract's files do not exist yet: verify-exempt).
  if [[ -n "$verify_command" ]] && requires_met; then
    run_argv "$id verify" "$verify_command"
  else
    step "$id: verify-exempt (the verify contract's required files do not all exist yet)"
  fi

  while IFS= read -r path; do
    [[ -f "$path" ]] || fail "$id: postcondition file_exists($path) is false after the writes"
  done < <(jq -r '.postconditions[] | select(.kind == "file_exists") | .path' <<<"$wo")

  a=0
  while IFS= read -r command; do
    a=$((a + 1))
    run_argv "$id acceptance $a" "$command"
  done < <(jq -r '.acceptance_commands[]' <<<"$wo")

  jq -r '.writes[].path' "$answer" | git_ add --pathspec-from-file=- --
  git_ commit -q -m "$id: $(jq -r '.title' <<<"$wo")" -m "Work-Order: $id"
  drift="$(git_ status --porcelain --untracked-files=all)"
  [[ -z "$drift" ]] || fail "$id: the work order left changes outside its writes:"$'\n'"$drift"
  step "$id: committed $(git_ rev-parse --short HEAD); working tree clean"
done

requires_met || fail "the verify contract's required files never came to exist"
step "PASS: $count work orders applied; the product's own check '$verify_command' passed after the last one"
