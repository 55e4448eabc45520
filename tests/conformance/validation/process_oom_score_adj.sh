#!/usr/bin/env bash
# process_oom_score_adj (config.md "oomScoreAdj").
. "$(dirname "$0")/../lib.sh"

b=$(new_bundle b)
cfg "$b" 'c["process"]["oomScoreAdj"] = 500'
if inside "container runs" "$b" oom1 'echo oom=$(cat /proc/self/oom_score_adj)'; then
  expect "oom_score_adj" "$(val "$b" oom)" 500
fi
done_testing
