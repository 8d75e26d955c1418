#!/usr/bin/env bash
# checkov over template.yaml: fails on any failed check. Every finding is either fixed in the
# template or skipped on its own resource (Metadata: checkov: skip: id + comment); README
# "Deploy" lists the skips.
# checkov is pinned in scripts/requirements-checkov.txt and lives in its own venv,
# ./.tools/checkov (its boto3 pin conflicts with aws-sam-cli's in .venv); it is reinstalled
# whenever that file changes (the stamp is a copy of it).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/checkov
if ! cmp -s scripts/requirements-checkov.txt "$venv/requirements.stamp"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-checkov.txt
  cp scripts/requirements-checkov.txt "$venv/requirements.stamp"
fi

# --skip-download: offline, no Prisma Cloud guidelines fetch. The cloudformation framework
# reads the SAM resources (AWS::Serverless::*) and Globals too. Prints the passed/failed/skipped
# summary and each failed check; exits non-zero when any check fails.
"$venv/bin/checkov" --file template.yaml --framework cloudformation --skip-download --quiet --compact
