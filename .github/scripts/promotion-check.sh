#!/usr/bin/env bash
# The promotion check of ENV's pins, evaluated now (reconcile.yml: before the approval, and again
# after it, just before the apply): every pin of ENV that ENV does not already run with the same
# content must run now, with that content, in the environment it is promoted from
# (promotion.from), have run there for its soak time and pass ENV's other gates (metrics, E2E),
# as the deployment records say at this moment (docs/evidence.md). It is the pull request's
# `gates --check-pr`, run against a base commit without ENV's pins.yaml, so that every pin is
# checked, not only those a pull request changed.
#
# Break glass: with BREAK_GLASS_REASON set (reconcile.yml's workflow_dispatch input), a failing
# check is shown and does not stop the job; the reason goes to the job summary. The apply still
# waits for the environment's reviewers, who read the reason before approving.
# Usage: .github/scripts/promotion-check.sh ENV   (vectora-gitops on PATH, AWS credentials set)
set -euo pipefail
export LC_ALL=C
env="${1:?usage: promotion-check.sh ENV}"
reason="${BREAK_GLASS_REASON:-}"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
pins="environments/${env}/pins.yaml"

if [ -n "$reason" ]; then
  if ! [[ "$reason" =~ ^[[:print:]]{10,300}$ ]] || [[ "$reason" == *'::'* || "$reason" == *'`'* ]]; then
    echo "::error::break_glass_reason: one line of 10 to 300 printable characters, without '::' or backticks"
    exit 1
  fi
fi
if [ ! -f "$pins" ]; then
  echo "::error::${pins}: not found"
  exit 1
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
GIT_INDEX_FILE="$scratch/index" git read-tree HEAD
GIT_INDEX_FILE="$scratch/index" git update-index --force-remove -- "$pins"
tree="$(GIT_INDEX_FILE="$scratch/index" git write-tree)"
base="$(GIT_AUTHOR_NAME=vectora-gitops GIT_AUTHOR_EMAIL=vectora-gitops@invalid \
  GIT_COMMITTER_NAME=vectora-gitops GIT_COMMITTER_EMAIL=vectora-gitops@invalid \
  git commit-tree "$tree" -m "${pins} removed: every pin of ${env} is checked")"

rc=0
vectora-gitops gates --check-pr --base "$base" > "$scratch/out" 2>&1 || rc=$?
cat "$scratch/out"
{
  echo "## Promotion check of ${env}'s pins ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
  echo
  echo '```'
  cat "$scratch/out"
  echo '```'
} >> "$summary"
if [ "$rc" -eq 0 ]; then
  exit 0
fi
if [ -n "$reason" ]; then
  echo "::warning::break glass: ${env}'s pins fail the promotion check (exit code ${rc}); going on for the reason recorded in the job summary"
  {
    echo
    echo "### Break glass, run by ${GITHUB_ACTOR:-unknown}"
    echo
    echo "The promotion check failed and is overridden. Reason:"
    echo
    echo '```'
    printf '%s\n' "$reason"
    echo '```'
  } >> "$summary"
  exit 0
fi
echo "::error::${env}'s pins fail the promotion check (above): refusing to apply. Promote through the previous environment and let it soak, or run the reconcile workflow by hand with break_glass_reason (an approver of ${env} still approves)."
exit 1
