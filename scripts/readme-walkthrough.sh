#!/usr/bin/env bash
# Runs the README's walk-through as a new user would, from an empty runs/, with the release binary, and checks
# that every `generate` and `chat` prints an answer (text beyond the prompt) and that every greedy sample an
# evaluation wrote (samples.jsonl) is non-empty. Skipped: `make demo`/`make test`, `demo --all`, `repro …`, the
# two-host mpirun line and `swift build` (build first: swift build -c release).
# Usage: scripts/readme-walkthrough.sh [README.md]   (from the repository root; deletes runs/)
set -euo pipefail
cd "$(dirname "$0")/.."
readme=${1:-README.md}
bin=$PWD/.build/release/tinyalign
[ -x "$bin" ] || { echo "no $bin: run swift build -c release first" >&2; exit 1; }
rm -rf runs
mkdir -p runs
log=runs/walkthrough.log
: > "$log"
failures=0

# `$B …` of the README goes through here: runs the binary, keeps its output, checks generate/chat answers.
ta_checked() {
    local out
    out=$("$bin" "$@" 2>>"$log") || { echo "FAILED: tinyalign $*" | tee -a "$log"; failures=$((failures + 1)); return 0; }
    printf '%s\n' "$out" | tee -a "$log"
    local cmd=$1 prompt="" chat=no mixture=no
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --prompt|--message) prompt=$2; shift ;;
            --chat) chat=yes ;;
            --mixture) mixture=yes ;;
        esac
        shift
    done
    case $cmd in
        generate|chat)
            local answer=$out
            [ $mixture = yes ] && answer=$(printf '%s\n' "$out" | grep -v '^\[policy ')
            [ $cmd = generate ] && [ $chat = no ] && answer=${answer#"$prompt"}
            if [ -z "${answer//[[:space:]]/}" ]; then
                echo "NO ANSWER: tinyalign $cmd … (prompt: $prompt)" | tee -a "$log"
                failures=$((failures + 1))
            else
                echo "answer: $(printf '%s' "$answer" | tr '\n' ' ')" >> "$log"
            fi ;;
    esac
}

script=runs/walkthrough.sh
# the sh blocks, continued lines joined; mpirun cannot start a shell function, so it gets the binary (and the
# two flags the README says to add as root or with more ranks than cores)
awk '/^```sh$/ { on = 1; next } /^```/ { on = 0 } on { if (sub(/\\$/, "")) { held = held $0; next } print held $0; held = "" }' "$readme" \
    | grep -v -E '^(make |swift build)|demo --all|\$B repro |--host node' \
    | sed -e 's#^B=\.build/release/tinyalign#B=ta_checked#' \
          -e 's#^mpirun -np \([0-9]*\) \$B #mpirun -np \1 --allow-run-as-root --oversubscribe "$bin" #' > "$script"
# shellcheck disable=SC1090
B=ta_checked
source "$script"

# Greedy answers an evaluation wrote: every one must be non-empty.
while IFS= read -r -d '' samples; do
    empty=$(grep -cE '"answer" *: *"( |\\n|\\t)*"' "$samples" || true)
    total=$(grep -c . "$samples" || true)
    echo "$samples: $total lines, $empty with an empty greedy answer" | tee -a "$log"
    [ "$empty" = 0 ] || failures=$((failures + 1))
done < <(find runs -name samples.jsonl -print0)

echo "walk-through: $failures problem(s); log in $log"
[ "$failures" = 0 ]
