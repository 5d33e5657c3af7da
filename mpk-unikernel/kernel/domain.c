/*
 * domain.c - the safe kernel's way to run unsafe-kernel and user code.
 * Context: unikernel, safe partition.
 *
 * With isolation (BH_ISO and CPU has PKU) these go through the gates in
 * arch/gates.S: own stack, own PKRU, faults contained. With isolation off
 * (noiso build, no PKU, or gates_direct for the in-image comparison run)
 * they are plain calls on the safe stack: same code, same results.
 */
#include "kernel.h"

static u8 unsafe_stack[STACK_SIZE] __unsafe_data __attribute__((aligned(16)));
static u8 user_stack[STACK_SIZE] __user_data __attribute__((aligned(16)));
bool gates_direct;

static bool gated(void)
{
	return pku_on() && !gates_direct;
}

long call_unsafe(void *fn, long a0, long a1, long a2)
{
	if (percpu.domain != DOM_SAFE)
		return -E_BUSY;                 /* no nesting of domain calls */
	percpu.unsafe_top = (u64)unsafe_stack + sizeof(unsafe_stack);
	percpu.domain_calls++;
	if (gated())
		return unsafe_gate_call(fn, a0, a1, a2);
	return ((domain_fn)fn)(a0, a1, a2);
}

long call_user(void *fn, long a0, long a1)
{
	if (percpu.domain != DOM_SAFE)
		return -E_BUSY;
	percpu.domain_calls++;
	if (gated())
		return user_gate_call(fn, a0, a1, user_stack + sizeof(user_stack));
	return ((domain_fn)fn)(a0, a1, 0);
}
