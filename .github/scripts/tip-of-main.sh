#!/usr/bin/env bash
# Refuse to go on unless the commit this run checked out is the tip of main right now
# (reconcile.yml, in every job that reaches AWS, before its credentials). Re-running an old
# reconcile run would otherwise apply an old commit: roll an environment back without review.
# To go back on purpose, revert in a pull request; the reconcile of that merge applies it.
# Env: RUN_SHA (the run's commit), GH_TOKEN (optional: a read token, for a private repository).
set -euo pipefail
: "${RUN_SHA:?RUN_SHA is not set}"
server="${GITHUB_SERVER_URL:-https://github.com}"
auth=()
if [ -n "${GH_TOKEN:-}" ]; then
  # As actions/checkout does, for this one command: the token is not written to .git/config.
  basic="$(printf 'x-access-token:%s' "$GH_TOKEN" | base64 | tr -d '\n')"
  echo "::add-mask::${basic}"
  auth=(-c "http.${server}/.extraheader=AUTHORIZATION: basic ${basic}")
fi
git "${auth[@]}" fetch --quiet --no-tags origin "+refs/heads/main:refs/remotes/origin/main"
tip="$(git rev-parse refs/remotes/origin/main)"
if [ "$tip" != "$RUN_SHA" ]; then
  echo "::error::refusing to apply ${RUN_SHA}: it is not the tip of main (main is at ${tip}). An old run applies an old commit; the run of ${tip} reconciles main. To go back, revert in a pull request."
  exit 1
fi
echo "${RUN_SHA} is the tip of main"
