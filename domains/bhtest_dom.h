/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bhtest_dom.h - the test domain's functions (bhtest_dom_code.S) as seen
 * from the test module (bhtest_dom.c).
 *
 * Execution context: the functions run inside the test domain; the
 * declarations are used by the normal kernel to name them.
 */
#ifndef BHTEST_DOM_H
#define BHTEST_DOM_H

#include <linux/types.h>

extern const char bhtest_dom_page[], bhtest_dom_page_end[];
long bhtest_dom_nop(void);
long bhtest_dom_add(long a, long b, long c);
long bhtest_dom_regs(void);
long bhtest_dom_idt_gate(unsigned long idt, unsigned long vector);
long bhtest_dom_clobber(void);
long bhtest_dom_flags(void);
long bhtest_dom_callout_flags(unsigned long idx);
long bhtest_dom_store(u64 *p, u64 v);
long bhtest_dom_load(const u64 *p);
long bhtest_dom_rsp(void);
long bhtest_dom_callout(long idx, long a, long b);
long bhtest_dom_jump(unsigned long addr);
long bhtest_dom_wrmsr(u32 msr, u64 val);
long bhtest_dom_cr4(void);
long bhtest_dom_outb(unsigned long port, unsigned long value);
long bhtest_dom_vmcall(void);
long bhtest_dom_vmfunc(u32 index);
long bhtest_dom_ud(void);
long bhtest_dom_forge_irq(unsigned long stub);
long bhtest_dom_int_fd(void);
long bhtest_dom_loop(void);
long bhtest_dom_cli_loop(void);
long bhtest_dom_cli_hlt(void);
long bhtest_dom_sse(void);
long bhtest_dom_x87(void);
long bhtest_dom_load_fs(unsigned long sel);
long bhtest_dom_bad_rsp_spin(unsigned long rsp, unsigned long n);
long bhtest_dom_ud_rsp(unsigned long rsp);
long bhtest_dom_syscall(void);
long bhtest_dom_sysret(void);
long bhtest_dom_iret(void);
long bhtest_dom_vmfunc_at(unsigned long target);
long bhtest_dom_vmfunc_tf(unsigned long target);
long bhtest_dom_single_step(void);
long bhtest_dom_exit_irqs_on(unsigned long target, unsigned long rsp);
long bhtest_dom_vmfunc_back(unsigned long target);
long bhtest_dom_vmfunc_iret(unsigned long target);
long bhtest_dom_div0(void);
long bhtest_dom_swapgs(void);
long bhtest_dom_spin(unsigned long n);
long bhtest_dom_sti_spin(unsigned long n);
long bhtest_dom_wait(const u64 *p, unsigned long n);
long bhtest_dom_wrgsbase(unsigned long base);

#endif /* BHTEST_DOM_H */
