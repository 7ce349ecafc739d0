#!/usr/bin/env bash
# Brings the whole mesh up under the Aspire AppHost (dashboard at http://localhost:15180).
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet run --project src/AppHost
