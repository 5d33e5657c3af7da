# tool - the `bulkhead` command (tools/bulkhead) on the test machine:
# status without and with the modules; trace catching a killed domain's
# fault and a reloaded driver; top showing VM exits by reason and gate
# crossings while dd runs on the isolated RAM disk; every command's help.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
B=/bulkhead/bin/bulkhead
EV=/sys/kernel/tracing/events/bulkhead

# bg_tool OUT CMD...: start the tool in the background, wait (60 s at
# most) until it says it is attached; its pid in $bg
bg_tool() {
	out=$1
	shift
	rm -f "$out" "$out.err"
	"$B" "$@" > "$out" 2> "$out.err" &
	bg=$!
	i=0
	while [ $i -lt 600 ] && ! grep -q '^bulkhead: tracing' "$out.err" 2>/dev/null &&
	      kill -0 $bg 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q '^bulkhead: tracing' "$out.err"
}

show() { while read -r l; do ktap_diag "  $l"; done < "$1"; }

dmesg -c > /dev/null
ktap_diag "$($B --help | head -1)"
ktap_check help_every_command sh -c "$B -h && $B --help && $B status -h && $B top -h && $B trace -h && $B top --help && $B trace --help && $B status --help"

# ---- before insmod: one clear message, exit status not 0 ----
out=$($B status 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q '^bulkhead: the minivisor is not loaded (no /sys/kernel/bulkhead/minivisor): insmod bulkhead.ko first$'; then
	ktap_ok status_without_minivisor_says_so
else
	ktap_fail status_without_minivisor_says_so "rc $rc: $out"
fi
ktap_diag "$out"
out=$($B trace -n 1 -t 5 2>&1)
rc=$?
if [ $rc != 0 ] && echo "$out" | grep -q '^bulkhead: no bulkhead trace events in .*: load the modules first'; then
	ktap_ok trace_without_modules_says_so
else
	ktap_fail trace_without_modules_says_so "rc $rc: $out"
fi
ktap_diag "$out"

# ---- the modules ----
for m in bulkhead bhdomains bhglue_iso bhram_iso; do
	if ! insmod $M/$m.ko; then
		ktap_fail "insmod_$m" "$(dmesg | tail -1)"
		ktap_end
		exit 0
	fi
done
ktap_ok insmod_modules
if [ -f $EV/bulkhead_exits/format ] && [ -f $EV/bulkhead_domain_fault/format ]; then
	ktap_ok trace_events_in_tracefs
else
	ktap_fail trace_events_in_tracefs "$(ls $EV 2>&1 | tr '\n' ' ')"
fi
ktap_diag "events: $(ls $EV | grep -v -e enable -e filter | tr '\n' ' ')"
grep -E 'field:(char|u64|u32|int) ' $EV/bulkhead_domain_fault/format |
	while read -r l; do ktap_diag "  fault format: $l"; done

$B status > /tmp/status.out 2>&1
rc=$?
show /tmp/status.out
n=$(grep -c '^processor' /proc/cpuinfo)
if [ $rc = 0 ] && grep -q "^minivisor .*: $n of $n CPUs virtualized" /tmp/status.out; then
	ktap_ok status_cpus_virtualized
else
	ktap_fail status_cpus_virtualized "rc $rc, no '$n of $n CPUs virtualized'"
fi
if grep -qE '^  bhram_iso +[0-9]+ +EPT .* live ' /tmp/status.out; then
	ktap_ok status_domain_ept_live
else
	ktap_fail status_domain_ept_live "no 'bhram_iso ID EPT ... live' line"
fi

# ---- top while dd crosses into the domain ----
if bg_tool /tmp/top.out top -n 1 -d 8; then
	dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=512 iflag=direct 2>/dev/null
	wait $bg
	rc=$?
else
	rc="never attached: $(cat /tmp/top.out.err)"
fi
show /tmp/top.out
if [ "$rc" = 0 ] && sed -n '/^VM exits by reason/,/^gate crossings/p' /tmp/top.out |
	grep -qE '^  [A-Z_]+ +[1-9][0-9]* '; then
	ktap_ok top_exits_by_reason
else
	ktap_fail top_exits_by_reason "rc $rc, no exit reason with a count"
fi
if sed -n '/^gate crossings/,/^domain faults/p' /tmp/top.out |
	grep -qE '^  bhram_iso +[1-9][0-9]* '; then
	ktap_ok top_crossings_bhram_iso
else
	ktap_fail top_crossings_bhram_iso "no crossings line for bhram_iso"
fi

# ---- trace: the kill of a domain, one line ----
if bg_tool /tmp/trace.out trace -n 1 -t 60; then
	echo bhram_iso > /sys/kernel/debug/bhdomains/kill
	wait $bg
	rc=$?
else
	rc="never attached: $(cat /tmp/trace.out.err)"
fi
show /tmp/trace.out
if [ "$rc" = 0 ] && grep -qE '^ *[0-9.]+ fault +domain=bhram_iso id=[0-9]+ cpu=[0-9]+ addr=0x?[0-9a-f]* reason="killed through debugfs"$' /tmp/trace.out; then
	ktap_ok trace_fault_line
else
	ktap_fail trace_fault_line "rc $rc: $(cat /tmp/trace.out /tmp/trace.out.err | tr '\n' ' ')"
fi
if $B status | grep -qE '^  bhram_iso +[0-9]+ +EPT .* dead '; then
	ktap_ok status_domain_dead
else
	ktap_fail status_domain_dead "bhram_iso not shown dead"
fi

# ---- trace: the driver reloaded ----
if bg_tool /tmp/reload.out trace -e revoke,create,reload -n 3 -t 60; then
	rmmod bhram_iso && insmod $M/bhram_iso.ko
	wait $bg
	rc=$?
else
	rc="never attached: $(cat /tmp/reload.out.err)"
fi
show /tmp/reload.out
if [ "$rc" = 0 ] && grep -q ' revoke .*domain=bhram_iso .*pages=[1-9]' /tmp/reload.out &&
   grep -q ' create .*domain=bhram_iso ' /tmp/reload.out &&
   grep -qE ' reload +domain=bhram_iso id=[0-9]+ cpu=[0-9]+ generation=1$' /tmp/reload.out; then
	ktap_ok trace_reload
else
	ktap_fail trace_reload "rc $rc: $(cat /tmp/reload.out /tmp/reload.out.err | tr '\n' ' ')"
fi
ktap_check reloaded_driver_works dd if=/dev/bhram_iso0 of=/dev/null bs=4k count=16 iflag=direct

# ---- unload ----
ok=1
for m in bhram_iso bhglue_iso bhdomains bulkhead; do
	rmmod $m || { ok=0; ktap_fail "rmmod_$m" "$(dmesg | tail -1)"; }
done
[ $ok = 1 ] && ktap_ok rmmod_modules
w=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|invalid opcode' | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi
ktap_end
