// SPDX-License-Identifier: GPL-2.0
/*
 * bhtest_mvhold.c - pretend another hypervisor owns VMX: sets CR4.VMXE on
 * every online CPU while loaded (no VMXON), so that bulkhead.ko must
 * refuse to load with "VMX already in use".
 *
 * Context: guest kernel, test module (minivisor_loop suite); not part of
 * bulkhead.ko.  Raw CR4 writes keep Linux's CR4 shadow untouched.
 */
#include <linux/module.h>
#include <linux/smp.h>
#include <asm/processor-flags.h>
#include <asm/special_insns.h>

static void set_vmxe(void *on)
{
	unsigned long cr4 = __read_cr4();

	cr4 = on ? cr4 | X86_CR4_VMXE : cr4 & ~X86_CR4_VMXE;
	asm volatile("mov %0, %%cr4" : : "r" (cr4) : "memory");
}

static int __init hold_init(void)
{
	on_each_cpu(set_vmxe, (void *)1, 1);
	return 0;
}

static void __exit hold_exit(void)
{
	on_each_cpu(set_vmxe, NULL, 1);
}

module_init(hold_init);
module_exit(hold_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test: hold CR4.VMXE (test only)");
