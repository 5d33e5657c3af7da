/*
 * boot.S - multiboot (v1) entry. Context: boot, 32-bit protected mode with
 * paging off (as left by GRUB or QEMU's multiboot loader), then the first
 * 64-bit instructions. Purpose: build a throw-away identity map of the
 * first 1 GiB (2 MiB pages, supervisor, no keys), enter long mode and call
 * kmain(magic, info) on the safe stack. kernel/mm.c replaces this map with
 * the keyed one built from the memory-map table.
 *
 * The image is linked as ELF64 and converted to elf32-i386 by objcopy, so
 * both QEMU -kernel (which refuses ELF64 multiboot images) and GRUB's
 * `multiboot` load it from its program headers.
 */
#include "bh.h"
#include "gate.h"

#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x3            /* page-align modules, want memory info */

	.section .multiboot, "a"
	.align 4
	.long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

	.section .boot.bss, "aw", @nobits
	.align 4096
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
boot_stack:	.skip 1024
boot_stack_top:

	.section .boot.data, "aw"
	.align 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff        /* 0x10: data */
boot_gdt_end:
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt
	.globl boot_magic, boot_info
boot_magic:	.long 0
boot_info:	.long 0

	.section .boot.text, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, boot_magic
	movl %ebx, boot_info
	movl $boot_stack_top, %esp

	/* zero the three tables, then PML4[0] -> PDPT[0] -> PD (512 x 2 MiB) */
	movl $boot_pml4, %edi
	xorl %eax, %eax
	movl $(3 * 4096 / 4), %ecx
	rep stosl
	movl $boot_pdpt + 3, boot_pml4
	movl $boot_pd + 3, boot_pdpt
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax                 /* P | RW | PS */
	movl %eax, boot_pd(,%ecx,8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	movl %cr4, %eax
	orl $(1 << 5), %eax             /* PAE */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx          /* EFER: LME | NXE */
	rdmsr
	orl $((1 << 8) | (1 << 11)), %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax           /* PG | PE */
	andl $~0x60000000, %eax         /* caches on (CD, NW clear) */
	movl %eax, %cr0
	lgdt boot_gdtr
	ljmp $KERNEL_CS, $long_entry

	.code64
long_entry:
	movl $KERNEL_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movq $safe_stack_top, %rsp
#if BH_ISO
	/* PKU present (CPUID.7.0:ECX[3])? then CR4.PKE and PKRU_SAFE. The boot
	 * map is all U=0, so keys take effect only with kernel/mm.c's map. */
	movl $7, %eax
	xorl %ecx, %ecx
	cpuid
	testl $(1 << 3), %ecx
	jz 3f
	movq %cr4, %rax
	orq $(1 << 22), %rax
	movq %rax, %cr4
	GATE_OPEN PKRU_SAFE, boot_safe
	movb $1, entry_pku_on
3:
#endif
	xorl %ebp, %ebp
	movl boot_magic, %edi
	movl boot_info, %esi
	call kmain
2:	cli
	hlt
	jmp 2b
