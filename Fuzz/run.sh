#!/usr/bin/env bash
# Builds every fuzz target with libFuzzer and AddressSanitizer, then runs each for FUZZ_SECONDS (default 60)
# from its committed seed corpus (FUZZ_TARGETS picks a subset). Fails on any crash, sanitizer report, timeout or
# out-of-memory; the failing input is left in Fuzz/.work/artifacts/ to become a regression test. Prints
# executions per target. FUZZ_RUNS=N runs each target for N executions instead (no time limit).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
TARGETS="${FUZZ_TARGETS:-FuzzSafeTensors FuzzConfig FuzzPreferenceJSONL FuzzRankingJSONL FuzzCSV FuzzPythonLiteral FuzzGlobalOpinionQA FuzzGGUF FuzzHFTokenizer FuzzTokenizerConfig FuzzChatTemplate FuzzLlamaConfig}"
# -use-ld=lld: the system's gold cannot link the instrumented objects. SwiftPM renames each executable's main,
# so the targets call LLVMFuzzerRunDriver themselves (Sources/FuzzSupport).
swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld -Xcc -fsanitize=fuzzer-no-link,address
mkdir -p .work/artifacts
if [ -n "${FUZZ_RUNS:-}" ]; then budget="-runs=$FUZZ_RUNS"; else budget="-max_total_time=$SECONDS_PER_TARGET"; fi
status=0
summary=""
for t in $TARGETS; do
    case "$t" in
        FuzzPythonLiteral) dict=Dictionaries/python.dict ;;
        FuzzCSV|FuzzGlobalOpinionQA) dict=Dictionaries/csv.dict ;;
        FuzzGGUF) dict=Dictionaries/gguf.dict ;;
        FuzzChatTemplate) dict=Dictionaries/jinja.dict ;;
        *) dict=Dictionaries/json.dict ;;
    esac
    mkdir -p ".work/corpus/$t"
    log=".work/$t.log"
    started=$SECONDS
    # The scratch corpus comes first: libFuzzer adds new inputs there, never to the committed seeds.
    if ! ".build/debug/$t" $budget -rss_limit_mb=1024 -malloc_limit_mb=1024 -timeout=10 \
            -dict="$dict" -artifact_prefix=".work/artifacts/$t-" -print_final_stats=1 \
            ".work/corpus/$t" "Corpus/$t" >"$log" 2>&1; then
        echo "fuzz: $t FAILED (see Fuzz/$log and Fuzz/.work/artifacts/)"
        tail -n 30 "$log"
        status=1
    fi
    runs=$(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rate=$(grep -a -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    summary+=$(printf '%-22s %12s executions in %5ss (%s/s)\n' "$t" "$runs" "$((SECONDS - started))" "$rate")$'\n'
done
printf '%s' "$summary"
exit $status
