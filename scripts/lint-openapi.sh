#!/usr/bin/env bash
# Lints the committed OpenAPI documents (openapi/*.json) as an SDK user meets them, and fails on any error or
# warning: Redocly CLI (recommended rules, openapi/redocly.yaml), Spectral (spectral:oas, openapi/spectral.yaml),
# and Kiota, which generates C#, TypeScript, Go and Python clients from each document. The tools are installed
# from the npm registry and NuGet on first use, into .local/tools (git-ignored), and reused while their pinned
# versions match. Offline once installed; no telemetry, no update checks.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

REDOCLY_VERSION=2.77.0
SPECTRAL_VERSION=6.16.3
KIOTA_VERSION=1.38.0
KIOTA_LANGUAGES=(csharp typescript go python)
# Kiota warns about a relative server ("/": the host that served the document). A self-hosted service has no one
# address; the client sets its base URL, which is what that warning asks for.
KIOTA_DISABLED_RULES=(NoServerEntry)

tools="$repo/.local/tools"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 npm_config_update_notifier=false
export KIOTA_OFFLINE_ENABLED=true DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

documents=(openapi/*.json)
failed=0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

install_node_tools() {
  local dir="$tools/node" wanted="@redocly/cli@$REDOCLY_VERSION @stoplight/spectral-cli@$SPECTRAL_VERSION"
  if [[ -x "$dir/node_modules/.bin/redocly" && -x "$dir/node_modules/.bin/spectral" && "$(cat "$dir/.installed" 2>/dev/null)" == "$wanted" ]]; then
    return
  fi
  command -v npm >/dev/null 2>&1 || { echo "lint-openapi: npm is needed (Node.js 20.19+ or 22.12+)" >&2; exit 1; }
  echo "lint-openapi: installing $wanted into $dir" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  # --ignore-scripts: neither needs an install script; one of their dependencies only reports the install.
  # shellcheck disable=SC2086
  npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error $wanted >/dev/null
  echo "$wanted" >"$dir/.installed"
}

install_kiota() {
  local dir="$tools/kiota"
  if [[ -x "$dir/kiota" ]] && "$dir/kiota" --version 2>/dev/null | grep -q "^$KIOTA_VERSION"; then
    return
  fi
  echo "lint-openapi: installing Microsoft.OpenApi.Kiota $KIOTA_VERSION into $dir" >&2
  rm -rf "$dir"
  dotnet tool install --tool-path "$dir" Microsoft.OpenApi.Kiota --version "$KIOTA_VERSION" >/dev/null
}

# Prints what a tool said about one document and counts it as failed when it found anything.
report() {
  local tool="$1" document="$2" problems="$3" output="$4"
  if [[ "$problems" == "0" ]]; then
    echo "$tool: $document: no errors, no warnings"
  else
    echo "$tool: $document: $problems" >&2
    echo "$output" >&2
    failed=1
  fi
}

lint_redocly() {
  local document output counts
  for document in "${documents[@]}"; do
    output="$("$tools/node/node_modules/.bin/redocly" lint --config openapi/redocly.yaml --format json "$document" 2>/dev/null)" || true
    counts="$(node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const t = r.totals ?? { errors: 1, warnings: 0 };
      console.log(t.errors + t.warnings === 0 ? "0" : `${t.errors} errors, ${t.warnings} warnings`);
      for (const p of r.problems ?? []) console.error(`  ${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer ?? ""}: ${p.message}`);
    ' <<<"$output" 2>"$work/redocly.problems")" || counts="unreadable output"
    report redocly "$document" "$counts" "$(cat "$work/redocly.problems")"
  done
}

lint_spectral() {
  local document output
  for document in "${documents[@]}"; do
    if output="$("$tools/node/node_modules/.bin/spectral" lint --ruleset openapi/spectral.yaml --fail-severity=warn --format=text "$document" 2>&1)"; then
      report spectral "$document" 0 ""
    else
      report spectral "$document" "$(grep -cE ' (error|warning) ' <<<"$output") problems" "$output"
    fi
  done
}

generate_kiota() {
  local document language job rules=() jobs=()
  for rule in "${KIOTA_DISABLED_RULES[@]}"; do rules+=(--disable-validation-rules "$rule"); done
  # One process per document and language, side by side: each spends most of its second starting up.
  for document in "${documents[@]}"; do
    for language in "${KIOTA_LANGUAGES[@]}"; do
      job="$work/$(basename "$document" .json)-$language"
      jobs+=("$document $language $job")
      ( "$tools/kiota/kiota" generate --openapi "$document" --language "$language" --output "$job" \
          --class-name TaskManagerClient --namespace-name TaskManager.Client --log-level Warning "${rules[@]}" \
          >"$job.log" 2>&1; echo $? >"$job.exit" ) &
    done
  done
  wait
  for entry in "${jobs[@]}"; do
    read -r document language job <<<"$entry"
    # At log level Warning Kiota prints only warnings and errors ("warn:", "fail:", "crit:") besides its hints.
    if [[ "$(cat "$job.exit")" == 0 ]] && ! grep -qE '^(warn|fail|crit):' "$job.log"; then
      report "kiota $language" "$document" 0 ""
    else
      report "kiota $language" "$document" "$(grep -cE '^(warn|fail|crit):' "$job.log") warnings or errors" "$(cat "$job.log")"
    fi
  done
}

mkdir -p "$tools"
install_node_tools
install_kiota
lint_redocly
lint_spectral
generate_kiota

if ((failed)); then
  echo "lint-openapi: the OpenAPI documents have errors or warnings (above)." >&2
  exit 1
fi
echo "lint-openapi: ${#documents[@]} documents, no errors, no warnings"
