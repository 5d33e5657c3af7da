# lib.sh - helpers for guest-side suites (sourced by /bulkhead/suites/*.sh).
# Context: guest user space (busybox sh).
#
# A suite prints KTAP subtest lines through these functions; /init indents
# them and adds the suite's own result line.  The plan line is printed by
# ktap_end (a trailing plan is valid KTAP).
#   ktap_ok NAME                  ktap_fail NAME REASON
#   ktap_skip NAME REASON         ktap_check NAME CMD...  (ok if CMD succeeds)
#   ktap_diag TEXT                 ktap_end (call last)
#   ktap_from_dmesg TAG           copy "TAG: ok N name" lines a test
#                                 module printed into this suite
BH_N=0
BH_FAILED=0

ktap_ok() { BH_N=$((BH_N + 1)); echo "ok $BH_N $1"; }
ktap_fail() {
	BH_N=$((BH_N + 1)); BH_FAILED=$((BH_FAILED + 1))
	echo "not ok $BH_N $1 # $2"
}
ktap_skip() { BH_N=$((BH_N + 1)); echo "ok $BH_N $1 # SKIP $2"; }
ktap_diag() { echo "# $*"; }
ktap_check() {
	name=$1; shift
	if out=$("$@" 2>&1); then ktap_ok "$name"
	else ktap_fail "$name" "$* failed: $(echo "$out" | tail -1)"; fi
}
# Re-number the result lines of FILE ("ok N name", "ok N name # SKIP r",
# "not ok N name # r", indented or not) as this suite's; with "diag",
# "# " lines pass through too.  BH_RELAYED = how many results.
ktap_relay() {
	BH_RELAYED=0
	while read -r line; do
		case "$line" in
		"ok "*" # SKIP "*)
			rest=${line#ok [0-9]* }
			ktap_skip "${rest%% # SKIP *}" "${rest#* # SKIP }" ;;
		"ok "*) ktap_ok "${line#ok [0-9]* }" ;;
		"not ok "*)
			rest=${line#not ok [0-9]* }
			ktap_fail "${rest%% # *}" "${rest#* # }" ;;
		"# "*) [ "${2:-}" = diag ] && echo "$line"; continue ;;
		*) continue ;;
		esac
		BH_RELAYED=$((BH_RELAYED + 1))
	done < "$1"
}
# Re-number lines "TAG: ok N name" / "TAG: not ok N name # r" from dmesg.
# ktap_dmesg NAME ERE WHY: ok NAME (the line as a diagnostic) if a dmesg
# line matches ERE, else not ok NAME # WHY
# The minivisor's VM exits by reason (one line each) that crossings or
# interrupts could have caused: CPUID left out (every process a test
# starts runs it in user space, which exits) and PREEMPTION_TIMER (with
# one CPU online bhdomains' watchdog has the minivisor's timer check the
# CPU every watchdog_ms / 2, whatever runs); mv_exits: their sum, 0
# without the minivisor.
MV_EXITS=/sys/kernel/bulkhead/minivisor/exits
mv_exit_lines() { awk 'NR > 1 && $1 != "CPUID" && $1 != "PREEMPTION_TIMER"' $MV_EXITS 2>/dev/null; }
mv_exits() { mv_exit_lines | awk '{ for (i = 2; i <= NF; i++) s += $i } END { print s + 0 }'; }
# iso_drivers_load NAME: bulkhead, bhdomains, the glue and both isolated
# block drivers; ok NAME, or not ok NAME and the suite ends (exit)
iso_drivers_load() {
	if ! insmod /bulkhead/modules/bulkhead.ko ||
	   ! insmod /bulkhead/modules/bhdomains.ko ||
	   ! insmod /bulkhead/modules/bhglue_iso.ko ||
	   ! insmod /bulkhead/modules/bhram_iso.ko ||
	   ! insmod /bulkhead/modules/bhnull_iso.ko; then
		ktap_fail "$1" "$(dmesg | grep -E 'bh|bulkhead' | tail -2 | tr '\n' ' ')"
		ktap_end
		exit 0
	fi
	ktap_ok "$1"
}
ktap_dmesg() {
	_l=$(dmesg | grep -E "$2" | head -1)
	if [ -n "$_l" ]; then
		ktap_ok "$1"
		ktap_diag "${_l#*] }"
	else
		ktap_fail "$1" "$3"
	fi
}
ktap_from_dmesg() {
	dmesg | sed -n "s/^\[[^]]*\] $1: //p" > /tmp/ktap.$$
	ktap_relay /tmp/ktap.$$ diag
	rm -f /tmp/ktap.$$
}
ktap_end() {
	echo "1..$BH_N"
	[ "$BH_N" -gt 0 ] && [ "$BH_FAILED" = 0 ] && echo 0 > /tmp/suite.rc \
		|| echo 1 > /tmp/suite.rc
}
