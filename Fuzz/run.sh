#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer, optimised (-O: a release build, so an input costs
# what it costs in the shipped binary, with ASan's checks kept), then runs each from its committed seed corpus:
# FUZZ_RUNS executions per target (default 1 000 000), or FUZZ_SECONDS per target when that is set instead (both:
# whichever comes first).
# FUZZ_TARGETS picks a subset. Fails on any crash, sanitizer report (leaks included), timeout or out-of-memory;
# the failing input is left in Fuzz/.work/artifacts/ to become a regression test. Prints a table per target:
# executions, seconds, exec/s, CPU seconds, executions per CPU second and the result. On a shared machine a niced
# fuzzer gets what the others leave, so the wall rate says more about the load than about the target; the CPU rate
# is what an input costs.
set -euo pipefail
cd "$(dirname "$0")"
TARGETS="${FUZZ_TARGETS:-FuzzSafeTensors FuzzConfig FuzzPreferenceJSONL FuzzRankingJSONL FuzzCSV FuzzPythonLiteral FuzzGlobalOpinionQA FuzzGGUF FuzzHFTokenizer FuzzTokenizerConfig FuzzChatTemplate FuzzLlamaConfig FuzzPEFTAdapter FuzzChatJSONL}"
# -use-ld=lld: the system's gold cannot link the instrumented objects. SwiftPM renames each executable's main,
# so the targets call LLVMFuzzerRunDriver themselves (Sources/FuzzSupport). -enable-testing: the targets reach
# internal entry points (`@testable import`), which a release build otherwise hides.
# FUZZ_NO_BUILD=1 runs the binaries of the last build as they are.
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    swift build -c release -Xswiftc -enable-testing -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
        -Xcc -fsanitize=fuzzer-no-link,address
fi
# FUZZ_BIN runs binaries copied elsewhere (a campaign that goes on while the package is rebuilt).
bin="${FUZZ_BIN:-.build/release}"
# ASan keeps every check; it only records 8 frames per allocation instead of 30 (the unwinding and the stack
# depot were ~14 % of a template input's time). Re-run an artifact with ASAN_OPTIONS= for full stacks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=8}"
mkdir -p .work/artifacts
# Both set: whichever comes first (a record run on a shared machine: 10^6 executions, or the time it can have).
if [ -n "${FUZZ_SECONDS:-}" ] && [ -n "${FUZZ_RUNS:-}" ]; then budget="-runs=$FUZZ_RUNS -max_total_time=$FUZZ_SECONDS"
elif [ -n "${FUZZ_SECONDS:-}" ]; then budget="-max_total_time=$FUZZ_SECONDS"
else budget="-runs=${FUZZ_RUNS:-1000000}"; fi
status=0
table="| target | executions | seconds | exec/s | CPU s | exec/CPU s | max_len | result |"$'\n'"| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"$'\n'
for t in $TARGETS; do
    # The dictionary of the input's syntax, and the longest input worth trying: past it an input only repeats
    # structure the bound checks already saw, and costs more per execution (at least the largest seed).
    case "$t" in
        FuzzPythonLiteral) dict=Dictionaries/python.dict; max_len=1024 ;;
        FuzzCSV|FuzzGlobalOpinionQA) dict=Dictionaries/csv.dict; max_len=4096 ;;
        FuzzGGUF) dict=Dictionaries/gguf.dict; max_len=16384 ;;
        FuzzChatTemplate) dict=Dictionaries/jinja.dict; max_len=6144 ;;
        FuzzHFTokenizer) dict=Dictionaries/json.dict; max_len=16384 ;;
        FuzzConfig|FuzzLlamaConfig) dict=Dictionaries/json.dict; max_len=2048 ;;
        FuzzPEFTAdapter) dict=Dictionaries/peft.dict; max_len=6144 ;;
        FuzzChatJSONL) dict=Dictionaries/chat.dict; max_len=4096 ;;
        *) dict=Dictionaries/json.dict; max_len=4096 ;;
    esac
    mkdir -p ".work/corpus/$t"
    log=".work/$t.log"
    started=$SECONDS
    times >"$log.before"
    result=ok
    # The scratch corpus comes first: libFuzzer adds new inputs there, never to the committed seeds.
    if ! "$bin/$t" $budget -max_len=$max_len -rss_limit_mb=1024 -malloc_limit_mb=1024 -timeout=10 -reload=0 \
            -dict="$dict" -artifact_prefix=".work/artifacts/$t-" -print_final_stats=1 \
            ".work/corpus/$t" "Corpus/$t" >"$log" 2>&1; then
        result=FAILED
        echo "fuzz: $t FAILED (see Fuzz/$log and Fuzz/.work/artifacts/)"
        tail -n 30 "$log"
        status=1
    fi
    runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rate=$(grep -a -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    times >"$log.after"
    # `times`' second line is the user and system time of the children waited for so far (e.g. 1m2.500s 0m0.250s).
    cpu=$(cat "$log.before" "$log.after" | awk 'NR % 2 == 0 { split($1, u, "m"); split($2, s, "m"); t[NR] = u[1] * 60 + u[2] + s[1] * 60 + s[2] }
        END { printf "%.1f", t[4] - t[2] }')
    per_cpu=$(awk -v n="$runs" -v c="$cpu" 'BEGIN { if (n ~ /^[0-9]+$/ && c > 0) printf "%.0f", n / c; else print "?" }')
    table+="| $t | $runs | $((SECONDS - started)) | $rate | $cpu | $per_cpu | $max_len | $result |"$'\n'
    printf '%s\n' "fuzz: $t $runs executions, $result"
done
printf '%s' "$table" | tee .work/summary.md
exit $status
