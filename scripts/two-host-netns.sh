#!/usr/bin/env bash
# Two test "hosts" in network namespaces joined by a veth pair (10.77.0.1 and 10.77.0.2, private addresses of
# our own), each with its own hostname (UTS namespace), running one 2-host `mpirun` over TCP: the multi-host path
# of data-parallel training for real, on one machine. mpirun reaches the second host through an "rsh agent" that
# enters its namespace (no sshd needed); ranks talk over TCP only (`--mca btl tcp,self`), pinned to the veth.
# Checks that the 2-host run writes exactly the bytes of a 2-rank run on one host (same slices, same sums).
# Needs root (ip netns). Usage: scripts/two-host-netns.sh [tinyalign binary]   (default .build/release/tinyalign)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-.build/release/tinyalign}")
WORK=$(mktemp -d /tmp/ta-two-host.XXXXXX)
A=ta-host-a B=ta-host-b

cleanup() {
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip link add ta-veth-a type veth peer name ta-veth-b
ip link set ta-veth-a netns "$A"
ip link set ta-veth-b netns "$B"
ip -n "$A" addr add 10.77.0.1/24 dev ta-veth-a
ip -n "$B" addr add 10.77.0.2/24 dev ta-veth-b
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set ta-veth-a up
ip -n "$B" link set ta-veth-b up

cat > "$WORK/agent.sh" <<AGENT
#!/bin/sh
# mpirun's rsh agent: \$1 is the host, the rest the command to start there, inside that host's namespace.
host="\$1"; shift
case "\$host" in
  10.77.0.1) ns=$A ;;
  10.77.0.2) ns=$B ;;
  *) echo "agent: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts sh -c "hostname \$ns; \$*"
AGENT
chmod +x "$WORK/agent.sh"

"$BIN" data synth --out "$WORK/data" --questions 120 --pairs 120 --groups 3 > /dev/null
ARGS=(align --method gr-dpo --model checkpoints/survey-base --data "$WORK/data/prefs.jsonl" --steps 4 --batch-size 4
      --eta-alpha 0.5 --eval-every 4 --cache-dir "$WORK/cache" --threads-per-rank 1)
# (one thread everywhere: a "host" of its own would otherwise take both cores, and 2 threads round differently)
MPI=(--allow-run-as-root --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24)

echo "== 2 ranks on one host (namespace $A, Open MPI's default shared-memory transport)"
ip netns exec "$A" mpirun --allow-run-as-root -np 2 --oversubscribe "$BIN" "${ARGS[@]}" --out "$WORK/one-host" > "$WORK/one-host.log" 2>&1
echo "== 2 hosts, 1 rank each, over TCP (10.77.0.1 and 10.77.0.2)"
ip netns exec "$A" unshare --uts sh -c "hostname $A; exec mpirun ${MPI[*]} --mca plm_rsh_agent $WORK/agent.sh \
    -np 2 --host 10.77.0.1,10.77.0.2 sh -c 'echo rank \$OMPI_COMM_WORLD_RANK on \$(hostname) >&2; exec $BIN ${ARGS[*]} --out $WORK/two-hosts'" \
    > "$WORK/two-hosts.log" 2>&1 || { cat "$WORK/two-hosts.log"; exit 1; }
grep '^rank ' "$WORK/two-hosts.log" | sort
grep -h 'gr-dpo step 4/4\|^final\|worst group' "$WORK/two-hosts.log" | tail -3 || true
if cmp -s "$WORK/one-host/final/model.safetensors" "$WORK/two-hosts/final/model.safetensors"; then
    echo "final weights: identical bytes (2 hosts over TCP = 2 ranks on one host)"
else
    echo "final weights differ between the 2-host and the 1-host run" >&2
    exit 1
fi
if diff <(sed 's/"communication_s":[0-9.e-]*,\{0,1\}//' "$WORK/one-host/metrics.jsonl") \
        <(sed 's/"communication_s":[0-9.e-]*,\{0,1\}//' "$WORK/two-hosts/metrics.jsonl") > /dev/null; then
    echo "metrics.jsonl: identical apart from communication_s"
else
    echo "metrics.jsonl differs beyond communication_s" >&2
    exit 1
fi
