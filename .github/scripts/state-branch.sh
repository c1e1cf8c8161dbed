#!/usr/bin/env bash
# Keeps catwatch's state between scheduled runs on a dedicated branch.
#
#   state-branch.sh fetch DIR   clone the state branch into DIR (an empty
#                               repository on the first run, when the branch
#                               does not exist yet)
#   state-branch.sh push DIR    commit DIR's files and push them to the branch
#
# Environment:
#   STATE_REMOTE   the repository URL (default: https://github.com/$GITHUB_REPOSITORY.git)
#   STATE_BRANCH   the branch (default: catwatch-state)
#   GITHUB_TOKEN   sent as an HTTP header for this one command only; it is
#                  never written into DIR/.git/config.
set -euo pipefail

usage() {
  echo "usage: $0 fetch|push DIR" >&2
  exit 2
}

[ $# -eq 2 ] || usage
action=$1
dir=$2
branch=${STATE_BRANCH:-catwatch-state}
remote=${STATE_REMOTE:-}
if [ -z "$remote" ]; then
  : "${GITHUB_REPOSITORY:?set STATE_REMOTE or GITHUB_REPOSITORY}"
  remote="https://github.com/${GITHUB_REPOSITORY}.git"
fi

# git with the token as a one-off header, so it never lands on disk.
git_auth() {
  if [ -n "${GITHUB_TOKEN:-}" ]; then
    local basic
    basic=$(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 -w0)
    git -c "http.extraheader=AUTHORIZATION: basic ${basic}" "$@"
  else
    git "$@"
  fi
}

case "$action" in
  fetch)
    mkdir -p "$dir"
    git -C "$dir" init -q
    git -C "$dir" checkout -q -B "$branch"
    # ls-remote exits 2 when the branch is missing; any other failure (network,
    # authentication) stops the job rather than starting over with no state.
    found=0
    git_auth ls-remote --exit-code --heads "$remote" "refs/heads/${branch}" >/dev/null || found=$?
    case "$found" in
      0)
        git_auth -C "$dir" fetch -q --depth 1 "$remote" "refs/heads/${branch}"
        git -C "$dir" reset -q --hard FETCH_HEAD
        echo "state: fetched branch ${branch}"
        ;;
      2) echo "state: branch ${branch} does not exist yet; starting with no state" ;;
      *)
        echo "state: cannot reach ${remote} (git exit ${found})" >&2
        exit 1
        ;;
    esac
    ;;
  push)
    # Lock and temporary files stay out of the history.
    git -C "$dir" add -A -- . ':(exclude)*.lock' ':(exclude)*.tmp' ':(exclude).tmp*'
    if git -C "$dir" diff --cached --quiet; then
      echo "state: unchanged, nothing to push"
      exit 0
    fi
    git -C "$dir" \
      -c user.name="catwatch" \
      -c user.email="catwatch@users.noreply.github.com" \
      commit -q -m "state: run of $(date -u +%Y-%m-%dT%H:%MZ)"
    git_auth -C "$dir" push -q "$remote" "HEAD:refs/heads/${branch}"
    echo "state: pushed to branch ${branch}"
    ;;
  *)
    usage
    ;;
esac
