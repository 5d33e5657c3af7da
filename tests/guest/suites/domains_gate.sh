# domains_gate - a protection domain on per-CPU EPT views (bhdomains.ko on
# bulkhead.ko's minivisor): the load-time scan refuses an isolated driver
# with VMFUNC bytes and accepts a clean one; a VMFUNC gate round trip
# with scrubbed registers, the domain's own stack and pages, the kernel
# absent from its view, TSC ticks and VM exits per round trip; the kernel keeps
# working after the domain is gone; then every fault case of a domain
# (bhtest_dom.ko faults=1), each contained and reported.
# Context: guest user space (busybox sh).
. /bulkhead/lib.sh
M=/bulkhead/modules
dmesg -c > /dev/null

if ! insmod $M/bulkhead.ko; then
	ktap_fail insmod_bulkhead "$(dmesg | grep bulkhead | tail -1)"
	ktap_end
	exit 0
fi
if ! insmod $M/bhdomains.ko; then
	ktap_fail insmod_bhdomains "$(dmesg | grep bhdomains | tail -1)"
	rmmod bulkhead
	ktap_end
	exit 0
fi
ktap_ok insmod_bhdomains
# the shared gate page (all a domain may execute besides its own text)
# holds no privileged instruction at any offset: bhdomains checks at load
l=$(dmesg | grep 'bhdomains: shared gate page: .* no privileged instruction at any offset')
[ -n "$l" ] && ktap_ok gate_page_no_privileged ||
	ktap_fail gate_page_no_privileged "no load-time check line in dmesg"

# no kprobe on the gate pages (an int3 there would run in a domain view,
# or in the kernel view on a domain's page table); the module's other
# functions take one (the control)
T=/sys/kernel/tracing/kprobe_events
if echo 'p:bhprobe_ok bhdomains:bh_domain_call' >> $T 2>/dev/null; then
	ktap_ok kprobe_on_bhdomains_works
	echo '-:bhprobe_ok' >> $T
	for s in bh_vmf_enter bh_vmf_k_return __bh_gate_site_vmf_exit bh_vmf_irq_stubs bh_vmf_db; do
		if echo "p:bhprobe_gate bhdomains:$s" >> $T 2>/dev/null; then
			echo '-:bhprobe_gate' >> $T
			ktap_fail "kprobe_refused_$s" "a kprobe was put on $s"
		else
			ktap_ok "kprobe_refused_$s"
		fi
	done
else
	ktap_fail kprobe_on_bhdomains_works "no kprobe on bh_domain_call: $(cat $T 2>&1 | head -1)"
fi

# the load-time scan: refuse_case TEST MODULE PATTERN (of its dmesg line)
refuse_case() {
	if insmod $M/$2.ko 2>/dev/null; then
		rmmod $2
		ktap_fail $1 "$2.ko loaded"
		return
	fi
	l=$(dmesg | grep "refusing driver $2" | head -1)
	case "$l" in
	$3) ktap_ok $1 ;;
	*) ktap_fail $1 "no dmesg line naming it: $l" ;;
	esac
	ktap_diag "${l#*] }"
}
refuse_case scan_refuses_stray_vmfunc bhstray_iso '*VMFUNC*bytes 0f 01 d4*'
# a privileged instruction (MOV to CR3) hidden the same way
refuse_case scan_refuses_privileged bhpriv_iso '*MOV to CR*bytes 0f 22*'
# a VMFUNC split by a page edge, the text mapped one page at a time
refuse_case scan_refuses_across_pages bhedge_iso '*VMFUNC*bytes 0f 01 d4*'
if insmod $M/bhclean_iso.ko; then
	ktap_ok scan_accepts_clean
	rmmod bhclean_iso
else
	ktap_fail scan_accepts_clean "$(dmesg | grep bhclean | tail -1)"
fi

# the gate
insmod $M/bhtest_dom.ko 2>/dev/null
ktap_from_dmesg bhdom
rmmod bhtest_dom 2>/dev/null
# NMIs between a VMFUNC and the gate's CR3 load (2 CPUs: bhtest_dom's
# crossings under NMIs): held by bh_vmf_nmi and raised again, never lost
# (no_warnings below: no "NMI received for unknown reason")
if [ "$(grep -c ^processor /proc/cpuinfo)" -ge 2 ]; then
	w=$(sed -n 's/.*nmis_in_cr3_window=\([0-9]*\).*/\1/p' /sys/kernel/debug/bhdomains/cpus | awk '{s += $1} END {print s + 0}')
	[ "$w" -gt 0 ] && ktap_ok nmi_in_cr3_window_held ||
		ktap_fail nmi_in_cr3_window_held "nmis_in_cr3_window=$w"
	ktap_diag "$(tr '\n' ' ' < /sys/kernel/debug/bhdomains/cpus)"
fi
dmesg | grep -E 'bhdomains: (domain|refusing)' | sed 's/^\[[^]]*\] /# /' | head -8
cat /sys/kernel/bulkhead/minivisor/log 2>/dev/null | tail -4 | sed 's/^/# mv log: /'

v=$(sh -c 'echo still-fine | cat')
[ "$v" = still-fine ] && ktap_ok kernel_fine_after || ktap_fail kernel_fine_after "pipe broken"
ktap_check rmmod_bhdomains rmmod bhdomains
# the kernel's IDT mapping: not global while bhdomains is loaded where it
# was (the CPU entry area's PTEs are global wherever the CPU has PGE),
# global again after (domain.c, bh_idt_alias_*); one that was not global
# is left alone
c=$(dmesg | grep -c "bhdomains: the kernel's IDT mapping at 0x[0-9a-f]* is not global while loaded")
r=$(dmesg | sed -n "s/.*bhdomains: the kernel's IDT mapping at 0x[0-9a-f]* is global again (flags 0x\([0-9a-f]*\)).*/\1/p" | tail -1)
if [ "$c" -ge 1 ] && [ -n "$r" ] && [ $((0x$r & 0x100)) -ne 0 ]; then
	ktap_ok idt_mapping_restored_at_unload
	ktap_diag "not global while loaded, global again after (flags 0x$r)"
elif [ "$c" = 0 ] && [ -z "$r" ]; then
	ktap_ok idt_mapping_restored_at_unload
	ktap_diag "not global before bhdomains: left as it was"
else
	ktap_fail idt_mapping_restored_at_unload "$c lines at load, flags at unload: ${r:-no line}"
fi
ktap_check rmmod_bulkhead rmmod bulkhead
w=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|invalid opcode|NMI received for unknown reason' | head -1)
if [ -z "$w" ]; then ktap_ok no_warnings; else ktap_fail no_warnings "$w"; fi

# fault containment: every way a domain can misbehave, each stopped with
# a dmesg line naming domain, CPU, address and reason, the domain dead,
# a new domain working after it (bhtest_dom.ko faults=1)
dmesg -c > /dev/null
if insmod $M/bulkhead.ko && insmod $M/bhdomains.ko; then
	insmod $M/bhtest_dom.ko faults=1 2>/dev/null
	ktap_from_dmesg bhdom
	rmmod bhtest_dom 2>/dev/null
	# the timer counts of forged_exit_irqs_on_kernel_page_intact reached
	# the crossing's window (an interrupt there stopped a domain): under
	# Bochs the local APIC timer counts instructions, elsewhere not
	n=$(dmesg | sed -n 's/.*timer counts across the forged way back: \([0-9]*\) domains stopped.*/\1/p' | head -1)
	case "$(cat /proc/cmdline)" in
	*bulkhead.engine=bochs*)
		[ "${n:-0}" -ge 1 ] && ktap_ok forged_exit_irqs_on_window_reached ||
			ktap_fail forged_exit_irqs_on_window_reached "no interrupt landed in the crossing (domains stopped: ${n:-none})" ;;
	*)	ktap_skip forged_exit_irqs_on_window_reached "the timer counts instructions only under Bochs" ;;
	esac
	# name _ regex the case's dmesg lines must match: the first
	# "stopped at" line and the first "fault at" line after the case's
	# own start ("# case NAME_stopped", bhtest_dom.c fault_domain_new),
	# so that each row checks its own case's report
	while read -r name re; do
		seg=$(dmesg | sed -n "/bhdom: # case ${name}_stopped\$/,\$p")
		l=$(printf '%s\n' "$seg" | grep -E "bhdomains: domain bhfault cpu [0-9]+: stopped at rip " | head -1)
		k=$(printf '%s\n' "$seg" | grep -E "bhdomains: domain bhfault cpu [0-9]+: fault at 0x" | head -1)
		if [ -z "$seg" ]; then
			ktap_fail "fault_reported_$name" "no start of the case in dmesg"
		elif printf '%s\n' "$l" | grep -qE "$re" &&
		     printf '%s\n' "$k" | grep -qE "fault at 0x[0-9a-f]+: .*$re.*domain dead"; then
			ktap_ok "fault_reported_$name"
			ktap_diag "${l#*] }"
		else
			ktap_fail "fault_reported_$name" "the case's first lines: ${l#*] } / ${k#*] } (want: $re)"
		fi
	done <<-'EOF'
	write_kernel exception 14 \(#PF\) raised by domain code at bhtest_dom_store.*: write of 0x[0-9a-f]+ \(the kernel's memory, gpa 0x[0-9a-f]+\): not in the domain's page table
	read_kernel exception 14 \(#PF\) raised by domain code at bhtest_dom_load.*: read of 0x[0-9a-f]+ \(the kernel's memory, gpa 0x[0-9a-f]+\): not in the domain's page table
	write_kernel_heap write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT
	read_kernel_heap read of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT
	read_kernel_image read of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT
	read_other_domain read of domain bhvictim's memory \(gpa 0x[0-9a-f]+\) denied by EPT
	jump_kernel execute of kfree\+0x0/.* denied by EPT: a jump out of the domain
	wrmsr_tsc_aux privileged instruction: WRMSR MSR 0xc0000103
	mov_cr4 privileged instruction: MOV to CR4
	vmcall privileged instruction: VMCALL
	port_io port I/O: OUTB port 0x3ff
	vmfunc_forged_index VMFUNC leaf 0 with a forged EPTP index 5
	exception_ud exception 6 \(#UD\) raised by domain code
	exception_de exception 0 \(#DE\) raised by domain code
	exception_pf exception 14 \(#PF\) raised by domain code at bhtest_dom_load.*: read of 0x0, mapped nowhere in the kernel
	syscall execute of entry_SYSCALL_64\+0x0/.* denied by EPT: a SYSCALL \(the kernel's entry, not a gate\)
	fpu_sse exception 7 \(#NM\) raised by domain code at bhtest_dom_sse
	fpu_x87 exception 7 \(#NM\) raised by domain code at bhtest_dom_x87
	irq_ist_unusable exception 14 \(#PF\) raised by domain code at bhtest_dom_spin.*: write of 0xff8, mapped nowhere in the kernel
	EOF
	# the read at BH_VMF_ID_VA (0x8040202000, the gate's state pointer):
	# the walk meets the CPU's id table, the kernel's
	ktap_dmesg fault_reported_read_state_pointer \
		"bhdomains: domain bhfault cpu [0-9]+: fault at 0x8040202000: read of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT" \
		"no dmesg line for the read at BH_VMF_ID_VA"
	# the interrupts whose delivery into a domain failed: ended, raised again
	n=$(dmesg | grep -cE "bhdomains: domain bhfault cpu [0-9]+: vector 0x[0-9a-f]+ was in service when the domain faulted \(its delivery into the domain failed\): ended and raised again")
	if [ "$n" -ge 1 ]; then
		ktap_ok fault_reported_irq_in_service
		ktap_diag "$(dmesg | grep -m1 'was in service when the domain faulted' | sed 's/^\[[^]]*\] //')"
	else
		ktap_fail fault_reported_irq_in_service "$n lines for an interrupt left in service (want >= 1)"
	fi
	# GS base changed with no exit (SWAPGS, WRGSBASE): the gate's check
	n=$(dmesg | grep -cE "bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]+: changed the kernel's GS base \(SWAPGS, WRGSBASE or WRMSR\), put back by the gate: domain dead")
	[ "$n" = 2 ] && ktap_ok fault_reported_gs_base ||
		ktap_fail fault_reported_gs_base "$n GS-base kill lines in dmesg (want 2)"
	# FS base changed with a segment load (no exit): put back, killed
	ktap_dmesg fault_reported_fs_base \
		"bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]+: changed the FS base of the task it ran for \(a segment load\), put back by the gate: domain dead" \
		"no dmesg line for the FS base change"
	# a jump into an interrupt stub (vector 0xfd, the reschedule IPI),
	# its frame on the domain's own stack: caught before the kernel's
	# handler runs
	ktap_dmesg fault_reported_forged_irq \
		"bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]*[1-9a-f][0-9a-f]*: entered the interrupt stub of vector 0xfd with RSP 0x[0-9a-f]+, not on its IST area: no delivery: domain dead" \
		"no dmesg line for the forged interrupt"
	# INT 0xfd in the domain: through the IST like a delivery, but the
	# vector is not in service
	# an exception whose frame cannot be pushed: the push (or, from an
	# unmapped RSP, the #DF on Linux's IST stack) is an EPT violation
	ktap_dmesg fault_reported_exception_bad_rsp_unmapped \
		"bhdomains: domain bhfault cpu [0-9]+: stopped at rip bhtest_dom_ud_rsp\+0x3.* \(rsp 0x1000, view [0-9]+\): write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT, while delivering vector 8" \
		"no dmesg line for the #UD with RSP 0x1000"
	ktap_dmesg fault_reported_exception_bad_rsp_kernel \
		"bhdomains: domain bhfault cpu [0-9]+: stopped at rip bhtest_dom_ud_rsp\+0x3.* \(rsp 0xffff[0-9a-f]+, view [0-9]+\): write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT, while delivering vector 6" \
		"no dmesg line for the #UD with RSP on a kernel page"
	# out of ring 0 by SYSRET or IRETQ to the user's selectors: the next
	# fetch (a supervisor page at CPL 3) is a #PF whose frame goes to
	# TSS.RSP0, kernel memory absent from the view
	for c in sysret iret; do
		ktap_dmesg "fault_reported_${c}_cpl3" \
			"bhdomains: domain bhfault cpu [0-9]+: stopped at rip bhtest_dom_$c\+0x[0-9a-f]+/.* \(rsp 0x[0-9a-f]+, view [0-9]+\): write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT, while delivering vector 14, at CPL 3 \(it left ring 0: SYSRET or IRET\)" \
			"no dmesg line for the domain at CPL 3 after bhtest_dom_$c"
	done
	# TF set in the domain's own code: the trap's delivery onto the
	# kernel's #DB stack, absent from the view
	ktap_dmesg fault_reported_single_step_in_domain \
		"bhdomains: domain bhfault cpu [0-9]+: stopped at rip bhtest_dom_single_step\+0x[0-9a-f]+/.*: write of the kernel's memory \(gpa 0x[0-9a-f]+\) denied by EPT, while delivering vector 1$" \
		"no dmesg line for the single-step trap in the domain view"
	# an IRETQ with TF to a VMFUNC of the gate into the kernel view: the
	# trap right after it stops the domain (not the kernel's #DB handler)
	for v in exit out yield irq; do
		ktap_dmesg "fault_reported_single_step_$v" \
			"bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]+: single-step trap \(#DB, DR6 0x[0-9a-f]+\) at __bh_gate_site_vmf_$v\+0x3/0x[0-9a-f]+ \[bhdomains\], in the gate's kernel view \(an IRETQ with TF set to a VMFUNC of the gate page\): domain dead" \
			"no dmesg line for the single-step trap after the gate's VMFUNC vmf_$v"
	done
	ktap_dmesg fault_reported_forged_int \
		"bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]*[1-9a-f][0-9a-f]*: entered the interrupt stub of vector 0xfd, which the CPU did not deliver: domain dead" \
		"no dmesg line for INT 0xfd"
	# a domain called with interrupts off turns them on: the interrupt
	# then delivered stops it (the handler waits for the caller's STI)
	ktap_dmesg fault_reported_sti_irqs_off \
		"bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]*[1-9a-f][0-9a-f]*: took vector 0x[0-9a-f]+ though called with interrupts off \(it turned them on, or raised the vector itself\): domain dead" \
		"no dmesg line for the interrupt a domain called with interrupts off took"
	f=$(sed -n 's/.*domain_faults=\([0-9]*\).*/\1/p' /sys/kernel/bulkhead/minivisor/cpus | awk '{s += $1} END {print s + 0}')
	[ "$f" -ge 16 ] && ktap_ok minivisor_counts_domain_faults || ktap_fail minivisor_counts_domain_faults "domain_faults=$f (want >= 16)"
	ktap_diag "minivisor: $f domain faults"
	v=$(sh -c 'echo still-fine | cat')
	[ "$v" = still-fine ] && ktap_ok fault_kernel_fine_after || ktap_fail fault_kernel_fine_after "pipe broken"
	# the watchdog: entries that never return (bhtest_dom.ko watchdog=1);
	# bhdomains.watchdog_ms takes 10..60000 or 0 and nothing else
	p=/sys/module/bhdomains/parameters/watchdog_ms
	w0=$(cat $p)
	bad=0
	for v in 5 60001 abc -1 ""; do
		echo "$v" > $p 2>/dev/null && bad=$((bad + 1))
	done
	if [ "$bad" = 0 ] && [ "$(cat $p)" = "$w0" ]; then
		ktap_ok watchdog_ms_validated
	else
		ktap_fail watchdog_ms_validated "$bad bad values taken, now $(cat $p) (was $w0)"
	fi
	echo "bhmark watchdog" > /dev/kmsg
	echo 100 > $p
	insmod $M/bhtest_dom.ko watchdog=1 2>/dev/null
	rmmod bhtest_dom 2>/dev/null
	echo "$w0" > $p
	dmesg | sed -n '/bhmark watchdog/,$p' | sed -n "s/^\[[^]]*\] bhdom: //p" > /tmp/wd.ktap
	ktap_relay /tmp/wd.ktap diag
	ktap_dmesg fault_reported_watchdog_irqs_on \
		"bhdomains: domain bhfault cpu [0-9]+: fault at 0x[0-9a-f]*[1-9a-f][0-9a-f]*: watchdog: ran [0-9]+ ms without returning, interrupts on \(watchdog_ms=100\): domain dead" \
		"no dmesg line for the entry that loops"
	# interrupts off: an NMI from the other CPU, or with one CPU the
	# minivisor's VMX-preemption timer
	if [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ]; then
		by="stopped by an NMI from cpu [0-9]+; watchdog_ms=100"
	else
		by="stopped by the VMX-preemption timer: the only CPU online; watchdog_ms=100"
	fi
	ktap_dmesg fault_reported_watchdog_irqs_off \
		"bhdomains: domain bhfault cpu [0-9]+: stopped at rip bhtest_dom_cli_loop.*: watchdog: ran [0-9]+ ms without returning, interrupts off \($by\)" \
		"no dmesg line for the entry that loops with interrupts off"
	ktap_dmesg fault_reported_watchdog_cli_hlt \
		"bhdomains: domain bhfault cpu [0-9]+: stopped at rip bhtest_dom_cli_hlt.*: watchdog: ran [0-9]+ ms without returning, interrupts off \($by\)" \
		"no dmesg line for the entry halted with interrupts off"
	v=$(sh -c 'echo still-fine | cat')
	[ "$v" = still-fine ] && ktap_ok watchdog_kernel_fine_after || ktap_fail watchdog_kernel_fine_after "pipe broken"
	# the VMX-preemption timer exits only where no other CPU watches:
	# none with 2 CPUs; with 1, a few (every watchdog_ms / 2 of guest
	# time without another exit), not one per crossing or interrupt
	pt=$(awk '$1 == "PREEMPTION_TIMER" { for (i = 2; i <= NF; i++) s += $i } END { print s + 0 }' /sys/kernel/bulkhead/minivisor/exits)
	up=$(awk '{ print int($1) }' /proc/uptime)
	ktap_diag "watchdog timer: $pt PREEMPTION_TIMER exits in $up s of uptime"
	if [ "$(grep -c ^processor /proc/cpuinfo)" -gt 1 ]; then
		[ "$pt" = 0 ] && ktap_ok watchdog_timer_only_one_cpu ||
			ktap_fail watchdog_timer_only_one_cpu "$pt PREEMPTION_TIMER exits with 2 CPUs"
	elif [ "$pt" -gt 0 ] && [ "$pt" -le $((up * 4 + 40)) ]; then
		ktap_ok watchdog_timer_only_one_cpu
	else
		ktap_fail watchdog_timer_only_one_cpu "$pt PREEMPTION_TIMER exits in $up s (want 1 .. $((up * 4 + 40)))"
	fi
	# bhdomains uses a bulkhead.ko symbol: unloading in the wrong order is refused
	if rmmod bulkhead 2>/dev/null; then
		ktap_fail rmmod_bulkhead_refused_while_domains "bulkhead.ko unloaded under bhdomains"
	else
		ktap_ok rmmod_bulkhead_refused_while_domains
	fi
	ktap_check fault_rmmod_bhdomains rmmod bhdomains
	ktap_check fault_rmmod_bulkhead rmmod bulkhead
else
	ktap_fail fault_insmod "$(dmesg | tail -2 | tr '\n' ' ')"
fi
w=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|invalid opcode|NMI received for unknown reason' | head -1)
if [ -z "$w" ]; then ktap_ok fault_no_warnings; else ktap_fail fault_no_warnings "$w"; fi
ktap_end
