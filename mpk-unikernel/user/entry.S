/*
 * entry.S - user-partition assembly. Context: USER partition text, ring 3,
 * PKRU_USER (key 0 only).
 *
 * user_entry: where user_gate_call lands (rdi, rsi = arguments, rdx = fn):
 * calls fn and hands its result back with SYS_EXIT.
 *
 * Forged gate entries (test-only attacker code): jump straight to a
 * kernel gate's WRPKRU with a chosen EAX (0 = every key open). Without the
 * compare-after-write each would continue in our own code with that PKRU,
 * read *user_target (safe kernel data) into user_loot and exit.
 *   user_forge_unsafe_gate(wrpkru, eax): the safe->unsafe gate (or any
 *     gate that continues to *r11): r11 = our continuation, r10 = our
 *     stack, as that gate expects.
 *   user_forge_exit_gate(wrpkru, eax): the kernel->user exit gate, with a
 *     forged exit frame [rdx rcx rax rip cs rflags rsp ss] on our stack.
 */
#include "bh.h"

	.text
	.globl user_entry
user_entry:
	movq %rdx, %rax
	xorl %edx, %edx
	call *%rax
	movq %rax, %rdi
	movl $SYS_EXIT, %eax
	int $VEC_SYSCALL
	ud2

	.globl user_forge_unsafe_gate
user_forge_unsafe_gate:
	movq %rsp, %r10
	leaq loot(%rip), %r11
	movl %esi, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	jmp *%rdi

	.globl user_forge_exit_gate
user_forge_exit_gate:
	movq %rsp, %r8
	pushq $USER_DS
	pushq %r8
	pushq $0x202
	pushq $USER_CS
	leaq loot(%rip), %rax
	pushq %rax
	pushq $0
	pushq $0
	pushq $0
	movl %esi, %eax
	xorl %ecx, %ecx
	xorl %edx, %edx
	jmp *%rdi

loot:	movq user_target(%rip), %rsi
	movq (%rsi), %rax
	movq %rax, user_loot(%rip)
	movq $0x4b1d, %rdi
	movl $SYS_EXIT, %eax
	int $VEC_SYSCALL
	ud2
