#!/usr/bin/env bash
# Brings the whole mesh up under the Aspire AppHost (dashboard at http://localhost:15180,
# gateway at http://localhost:5200): RabbitMQ and S3 storage (containers with Docker, local
# executables without), the trainer workers, the inference and synthesis services, the gateway.
set -euo pipefail
cd "$(dirname "$0")"
./tools/install-prerequisites.sh
exec dotnet run --project src/AppHost
