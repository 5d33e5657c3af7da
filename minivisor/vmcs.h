/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmcs.h - the one list of VMCS fields the minivisor uses, typed accessors
 * generated from it, and the VMX instruction wrappers.
 *
 * Context: normal kernel (VMCS setup, with interrupts off on the CPU that
 * owns the current VMCS) and root mode (exit handlers).  No locks, no
 * calls: every helper is inline asm.
 *
 * mv_vmread16/32/64(F) and mv_vmwrite16/32/64(F, v) take a field NAME from
 * MV_VMCS_FIELDS; a field of another width, or one not in the list, does
 * not compile.  64 covers both the 64-bit and the natural-width fields.
 */
#ifndef MV_VMCS_H
#define MV_VMCS_H

#include <linux/build_bug.h>
#include <linux/types.h>
#include <asm/msr-index.h>
#include <asm/vmx.h>
#include <asm/asm.h>
#include "mv_asm.h"

/*
 * Architectural bits whose kernel names changed (6.12 dropped the
 * VMX_BASIC field macros and renamed SECONDARY_EXEC_XSAVES).
 */
#ifndef VMX_BASIC_MEM_TYPE_SHIFT
#define VMX_BASIC_MEM_TYPE_SHIFT	50
#define VMX_BASIC_MEM_TYPE_MASK		(0xfULL << VMX_BASIC_MEM_TYPE_SHIFT)
#define VMX_BASIC_MEM_TYPE_WB		6ULL
#endif
#ifndef VMX_BASIC_VMCS_SIZE_SHIFT
#define VMX_BASIC_VMCS_SIZE_SHIFT	32
#endif
#ifndef SECONDARY_EXEC_XSAVES
#define SECONDARY_EXEC_XSAVES		SECONDARY_EXEC_ENABLE_XSAVES
#endif

/* X(field, width): width 16, 32, 64 (64-bit) or 65 (natural width) */
#define MV_VMCS_FIELDS(X)						\
	X(VIRTUAL_PROCESSOR_ID, 16)					\
	X(GUEST_ES_SELECTOR, 16) X(GUEST_CS_SELECTOR, 16)		\
	X(GUEST_SS_SELECTOR, 16) X(GUEST_DS_SELECTOR, 16)		\
	X(GUEST_FS_SELECTOR, 16) X(GUEST_GS_SELECTOR, 16)		\
	X(GUEST_LDTR_SELECTOR, 16) X(GUEST_TR_SELECTOR, 16)		\
	X(HOST_ES_SELECTOR, 16) X(HOST_CS_SELECTOR, 16)			\
	X(HOST_SS_SELECTOR, 16) X(HOST_DS_SELECTOR, 16)			\
	X(HOST_FS_SELECTOR, 16) X(HOST_GS_SELECTOR, 16)			\
	X(HOST_TR_SELECTOR, 16)						\
	X(MSR_BITMAP, 64) X(VM_FUNCTION_CONTROL, 64)			\
	X(EPT_POINTER, 64) X(EPTP_LIST_ADDRESS, 64)			\
	X(GUEST_PHYSICAL_ADDRESS, 64) X(VMCS_LINK_POINTER, 64)		\
	X(GUEST_IA32_DEBUGCTL, 64) X(GUEST_IA32_PAT, 64)		\
	X(GUEST_IA32_EFER, 64) X(HOST_IA32_PAT, 64)			\
	X(HOST_IA32_EFER, 64)						\
	X(PIN_BASED_VM_EXEC_CONTROL, 32) X(CPU_BASED_VM_EXEC_CONTROL, 32) \
	X(EXCEPTION_BITMAP, 32) X(PAGE_FAULT_ERROR_CODE_MASK, 32)	\
	X(PAGE_FAULT_ERROR_CODE_MATCH, 32) X(CR3_TARGET_COUNT, 32)	\
	X(VM_EXIT_CONTROLS, 32) X(VM_EXIT_MSR_STORE_COUNT, 32)		\
	X(VM_EXIT_MSR_LOAD_COUNT, 32) X(VM_ENTRY_CONTROLS, 32)		\
	X(VM_ENTRY_MSR_LOAD_COUNT, 32) X(VM_ENTRY_INTR_INFO_FIELD, 32)	\
	X(VM_ENTRY_EXCEPTION_ERROR_CODE, 32)				\
	X(VM_ENTRY_INSTRUCTION_LEN, 32) X(SECONDARY_VM_EXEC_CONTROL, 32) \
	X(VM_INSTRUCTION_ERROR, 32) X(VM_EXIT_REASON, 32)		\
	X(VM_EXIT_INTR_INFO, 32) X(VM_EXIT_INTR_ERROR_CODE, 32)		\
	X(IDT_VECTORING_INFO_FIELD, 32) X(IDT_VECTORING_ERROR_CODE, 32)	\
	X(VM_EXIT_INSTRUCTION_LEN, 32) X(VMX_INSTRUCTION_INFO, 32)	\
	X(GUEST_ES_LIMIT, 32) X(GUEST_CS_LIMIT, 32)			\
	X(GUEST_SS_LIMIT, 32) X(GUEST_DS_LIMIT, 32)			\
	X(GUEST_FS_LIMIT, 32) X(GUEST_GS_LIMIT, 32)			\
	X(GUEST_LDTR_LIMIT, 32) X(GUEST_TR_LIMIT, 32)			\
	X(GUEST_GDTR_LIMIT, 32) X(GUEST_IDTR_LIMIT, 32)			\
	X(GUEST_ES_AR_BYTES, 32) X(GUEST_CS_AR_BYTES, 32)		\
	X(GUEST_SS_AR_BYTES, 32) X(GUEST_DS_AR_BYTES, 32)		\
	X(GUEST_FS_AR_BYTES, 32) X(GUEST_GS_AR_BYTES, 32)		\
	X(GUEST_LDTR_AR_BYTES, 32) X(GUEST_TR_AR_BYTES, 32)		\
	X(GUEST_INTERRUPTIBILITY_INFO, 32) X(GUEST_ACTIVITY_STATE, 32)	\
	X(GUEST_SYSENTER_CS, 32) X(HOST_IA32_SYSENTER_CS, 32)		\
	X(VMX_PREEMPTION_TIMER_VALUE, 32)				\
	X(CR0_GUEST_HOST_MASK, 65) X(CR4_GUEST_HOST_MASK, 65)		\
	X(CR0_READ_SHADOW, 65) X(CR4_READ_SHADOW, 65)			\
	X(EXIT_QUALIFICATION, 65) X(GUEST_LINEAR_ADDRESS, 65)		\
	X(GUEST_CR0, 65) X(GUEST_CR3, 65) X(GUEST_CR4, 65)		\
	X(GUEST_ES_BASE, 65) X(GUEST_CS_BASE, 65)			\
	X(GUEST_SS_BASE, 65) X(GUEST_DS_BASE, 65)			\
	X(GUEST_FS_BASE, 65) X(GUEST_GS_BASE, 65)			\
	X(GUEST_LDTR_BASE, 65) X(GUEST_TR_BASE, 65)			\
	X(GUEST_GDTR_BASE, 65) X(GUEST_IDTR_BASE, 65)			\
	X(GUEST_DR7, 65) X(GUEST_RSP, 65) X(GUEST_RIP, 65)		\
	X(GUEST_RFLAGS, 65) X(GUEST_PENDING_DBG_EXCEPTIONS, 65)		\
	X(GUEST_SYSENTER_ESP, 65) X(GUEST_SYSENTER_EIP, 65)		\
	X(HOST_CR0, 65) X(HOST_CR3, 65) X(HOST_CR4, 65)			\
	X(HOST_FS_BASE, 65) X(HOST_GS_BASE, 65) X(HOST_TR_BASE, 65)	\
	X(HOST_GDTR_BASE, 65) X(HOST_IDTR_BASE, 65)			\
	X(HOST_IA32_SYSENTER_ESP, 65) X(HOST_IA32_SYSENTER_EIP, 65)	\
	X(HOST_RSP, 65) X(HOST_RIP, 65)

/* per-field width constants: mv_w_<FIELD> */
#define MV_X_WIDTH(f, w) mv_w_##f = (w),
enum { MV_VMCS_FIELDS(MV_X_WIDTH) };
#undef MV_X_WIDTH

/* the encoding's width bits (14:13) agree with the declared width */
#define MV_ENC_WIDTH(f) (((f) >> 13) & 3)
#define MV_X_CHECK(f, w)						\
	static_assert(MV_ENC_WIDTH(f) == ((w) == 16 ? 0 : (w) == 64 ? 1 : \
					  (w) == 32 ? 2 : 3) && !((f) & 1), \
		      #f " width");
MV_VMCS_FIELDS(MV_X_CHECK)
#undef MV_X_CHECK

/* entry.S uses these encodings as numbers */
static_assert(MV_ENC_GUEST_RSP == GUEST_RSP && MV_ENC_GUEST_RIP == GUEST_RIP &&
	      MV_ENC_GUEST_RFLAGS == GUEST_RFLAGS);

static __always_inline unsigned long __mv_vmread(unsigned long field)
{
	unsigned long v;

	asm volatile("vmread %[f], %[v]"
		     : [v] "=rm" (v) : [f] "r" (field) : "cc");
	return v;
}

/* 0 on success, -EIO on VMfailValid/VMfailInvalid */
static __always_inline int __mv_vmwrite(unsigned long field, unsigned long v)
{
	bool fail;

	asm volatile("vmwrite %[v], %[f]" CC_SET(be)
		     : CC_OUT(be) (fail) : [f] "r" (field), [v] "rm" (v)
		     : "cc");
	return fail ? -EIO : 0;
}

#define MV_WIDTH_OK(f, w)	BUILD_BUG_ON_ZERO(mv_w_##f != (w) &&	\
						  !((w) == 64 && mv_w_##f == 65))
#define mv_vmread16(f)	((u16)(MV_WIDTH_OK(f, 16) + __mv_vmread(f)))
#define mv_vmread32(f)	((u32)(MV_WIDTH_OK(f, 32) + __mv_vmread(f)))
#define mv_vmread64(f)	((u64)(MV_WIDTH_OK(f, 64) + __mv_vmread(f)))
#define mv_vmwrite16(f, v) (MV_WIDTH_OK(f, 16) + __mv_vmwrite(f, (u16)(v)))
#define mv_vmwrite32(f, v) (MV_WIDTH_OK(f, 32) + __mv_vmwrite(f, (u32)(v)))
#define mv_vmwrite64(f, v) (MV_WIDTH_OK(f, 64) + __mv_vmwrite(f, (u64)(v)))

/* name/encoding table for dumps, generated from the same list */
struct mv_vmcs_field_desc {
	const char *name;
	u32 enc;
};

#define MV_X_DESC(f, w) { #f, f },
#define MV_VMCS_FIELD_DESCS { MV_VMCS_FIELDS(MV_X_DESC) }

/* ---- VMX instructions: 0 or -EIO ---------------------------------- */
static __always_inline int mv_vmxon(u64 pa)
{
	bool fail;

	asm volatile("vmxon %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail) : [pa] "m" (pa) : "memory", "cc");
	return fail ? -EIO : 0;
}

static __always_inline void mv_vmxoff(void)
{
	asm volatile("vmxoff" : : : "memory", "cc");
}

static __always_inline int mv_vmclear(u64 pa)
{
	bool fail;

	asm volatile("vmclear %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail) : [pa] "m" (pa) : "memory", "cc");
	return fail ? -EIO : 0;
}

static __always_inline int mv_vmptrld(u64 pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail) : [pa] "m" (pa) : "memory", "cc");
	return fail ? -EIO : 0;
}

/* type 2 = all-context (INVEPT) / all-context (INVVPID) */
static __always_inline int mv_invept_all(void)
{
	struct { u64 eptp, rsvd; } d = { 0, 0 };
	bool fail;

	asm volatile("invept %[d], %[t]" CC_SET(be)
		     : CC_OUT(be) (fail) : [d] "m" (d), [t] "r" (2UL)
		     : "memory", "cc");
	return fail ? -EIO : 0;
}

static __always_inline int mv_invept_single(u64 eptp)
{
	struct { u64 eptp, rsvd; } d = { eptp, 0 };
	bool fail;

	asm volatile("invept %[d], %[t]" CC_SET(be)
		     : CC_OUT(be) (fail) : [d] "m" (d), [t] "r" (1UL)
		     : "memory", "cc");
	return fail ? -EIO : 0;
}

static __always_inline int mv_invvpid_all(void)
{
	struct { u64 vpid, gva; } d = { 0, 0 };
	bool fail;

	asm volatile("invvpid %[d], %[t]" CC_SET(be)
		     : CC_OUT(be) (fail) : [d] "m" (d), [t] "r" (2UL)
		     : "memory", "cc");
	return fail ? -EIO : 0;
}

#endif /* MV_VMCS_H */
