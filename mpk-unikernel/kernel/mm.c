/*
 * mm.c - the declarative memory map and the page tables built from it.
 * Context: unikernel, safe partition, boot time.
 *
 * One row per region: [start, end), permissions, protection key. One
 * function (pde_bits) turns a row into page-table bits. Identity mapping
 * with 2 MiB pages; the linker script aligns every region to 2 MiB so a
 * page never straddles two keys. Anything not in the table is unmapped.
 *
 * CR0.WP is set: ring-0 writes honour read-only pages and PKRU.WD (the
 * SDM applies WD to supervisor writes only with WP=1).
 *
 * U bit: PKU only applies to pages with U=1, so every partition is mapped
 * U=1 and CR4.SMEP/SMAP stay off: the protection key is what separates the
 * safe kernel, the unsafe kernel, shared data and user code -- in ring 0
 * as in ring 3. Exceptions (P_SUPER, U=0): "low" (boot code, BIOS data,
 * multiboot info) and "cpu" (GDT, IDT, TSS, IST entry stacks), which the
 * CPU itself reads and writes under the interrupted context's PKRU during
 * interrupt delivery. U=0 keeps ring-3 code out of them entirely.
 */
#include "kernel.h"
#include "alloc.h"

#define MB2 0x200000ULL
#define R(a) ((u64)(a))

#if BH_ISO
#define K(k) (k)
#else
#define K(k) 0                  /* noiso: everything under key 0 */
#endif

static const struct region memmap[] = {
	{ "low",         0,                        MB2,                    P_R | P_W | P_SUPER, K(KEY_CPU) },
	{ "cpu",         R(__cpu_start),           R(__cpu_end),           P_R | P_W | P_SUPER, K(KEY_CPU) },
	{ "unsafe text", R(__unsafe_text_start),   R(__unsafe_text_end),   P_R | P_X, K(KEY_UNSAFE) },
	{ "unsafe ro",   R(__unsafe_ro_start),     R(__unsafe_ro_end),     P_R,       K(KEY_UNSAFE) },
	{ "unsafe data", R(__unsafe_data_start),   R(__unsafe_data_end),   P_R | P_W, K(KEY_UNSAFE) },
	{ "user text",   R(__user_text_start),     R(__user_text_end),     P_R | P_X, K(KEY_USER) },
	{ "user ro",     R(__user_ro_start),       R(__user_ro_end),       P_R,       K(KEY_USER) },
	{ "user data",   R(__user_data_start),     R(__user_data_end),     P_R | P_W, K(KEY_USER) },
	{ "shared text", R(__shared_text_start),   R(__shared_text_end),   P_R | P_X, K(KEY_SHARED) },
	{ "shared ro",   R(__shared_ro_start),     R(__shared_ro_end),     P_R,       K(KEY_SHARED) },
	{ "shared data", R(__shared_data_start),   R(__shared_data_end),   P_R | P_W, K(KEY_SHARED) },
	{ "safe text",   R(__safe_text_start),     R(__safe_text_end),     P_R | P_X, K(KEY_SAFE) },
	{ "safe ro",     R(__safe_ro_start),       R(__safe_ro_end),       P_R,       K(KEY_SAFE) },
	{ "safe data",   R(__safe_data_start),     R(__safe_data_end),     P_R | P_W, K(KEY_SAFE) },
	{ "safe heap",   R(__safe_heap_start),     R(__safe_heap_end),     P_R | P_W, K(KEY_SAFE) },
	{ "unsafe heap", R(__unsafe_heap_start),   R(__unsafe_heap_end),   P_R | P_W, K(KEY_UNSAFE) },
	/* a key no PKRU policy opens: tells whether the engine applies PKRU.AD
	 * to ring-0 reads (real CPUs and QEMU do; Bochs 2.7 only for CPL 3) */
	{ "probe",       R(__probe_start),         R(__probe_end),         P_R | P_W, K(KEY_PROBE) },
};

static u64 pml4[512] __page_aligned;
static u64 pdpt[512] __page_aligned;
static u64 pd[512] __page_aligned;      /* 512 x 2 MiB = the first 1 GiB */

struct arena *safe_heap, *unsafe_heap;

#define PTE_P   (1ULL << 0)
#define PTE_W   (1ULL << 1)
#define PTE_U   (1ULL << 2)
#define PTE_PS  (1ULL << 7)
#define PTE_NX  (1ULL << 63)
#define PTE_KEY(k) ((u64)(k) << 59)

static u64 pde_bits(const struct region *r)
{
	u64 b = PTE_P | PTE_PS | PTE_KEY(r->key);
	if (r->perm & P_W)
		b |= PTE_W;
	if (!(r->perm & P_SUPER))
		b |= PTE_U;
	if (!(r->perm & P_X))
		b |= PTE_NX;
	return b;
}

const struct region *mm_region_of(u64 addr)
{
	for (size_t i = 0; i < ARRAY_SIZE(memmap); i++)
		if (addr >= memmap[i].start && addr < memmap[i].end)
			return &memmap[i];
	return NULL;
}

u64 mm_pte_of(u64 addr)
{
	return addr < 512 * MB2 ? pd[addr / MB2] : 0;
}

void mm_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(memmap); i++) {
		const struct region *r = &memmap[i];
		if ((r->start | r->end) & (MB2 - 1))
			panic("memory map region not 2 MiB aligned");
		for (u64 a = r->start; a < r->end; a += MB2) {
			if (pd[a / MB2])
				panic("memory map regions overlap");
			pd[a / MB2] = a | pde_bits(r);
		}
	}
	pdpt[0] = (u64)pd | PTE_P | PTE_W | PTE_U;
	pml4[0] = (u64)pdpt | PTE_P | PTE_W | PTE_U;
	__asm__ volatile("mov %0, %%cr3" :: "r"((u64)pml4) : "memory");
	u64 cr0;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" :: "r"(cr0 | (1 << 16)) : "memory");      /* WP */

	safe_heap = arena_init(__safe_heap_start, __safe_heap_end - __safe_heap_start);
	unsafe_heap = arena_init(__unsafe_heap_start, __unsafe_heap_end - __unsafe_heap_start);
}

void mm_print(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(memmap); i++) {
		const struct region *r = &memmap[i];
		kprintf("# memmap: %s %08lx-%08lx %c%c%c %s key %u\n", r->name, r->start, r->end,
			r->perm & P_R ? 'r' : '-', r->perm & P_W ? 'w' : '-',
			r->perm & P_X ? 'x' : '-', r->perm & P_SUPER ? "U=0" : "U=1", r->key);
	}
}
