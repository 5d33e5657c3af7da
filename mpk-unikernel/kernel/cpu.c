/*
 * cpu.c - GDT, TSS (IST stacks), IDT, legacy PIC and PIT timer.
 * Context: unikernel, safe partition, boot time (interrupts off).
 * The descriptor tables live in the U=0 "cpu" region: the CPU reads them
 * (and pushes onto the IST stacks) under whatever PKRU was live when the
 * interrupt came, so they cannot carry a protection key.
 */
#include "kernel.h"

#define __cpu __attribute__((section(".cpu.data"), aligned(16)))

struct tss {
	u32 rsvd0;
	u64 rsp[3];
	u64 rsvd1;
	u64 ist[7];
	u64 rsvd2;
	u16 rsvd3, iomap;
} __attribute__((packed));
STATIC_ASSERT(sizeof(struct tss) == 104);

struct idt_entry {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, rsvd;
};
STATIC_ASSERT(sizeof(struct idt_entry) == 16);

static struct tss tss __cpu;
static u64 gdt[7] __cpu = {
	0,
	0x00af9b000000ffff,     /* 0x08 kernel code 64 (accessed bit preset) */
	0x00cf93000000ffff,     /* 0x10 kernel data */
	0x00cff3000000ffff,     /* 0x18 user data, DPL 3 */
	0x00affb000000ffff,     /* 0x20 user code 64, DPL 3 */
	0, 0                    /* 0x28 TSS (16 bytes) */
};
static struct idt_entry idt[256] __cpu;

struct trap_table_entry { u64 vector; u64 stub; };

static void idt_set(int vec, u64 stub, int ist, int dpl)
{
	idt[vec] = (struct idt_entry){
		.off_lo = (u16)stub, .sel = KERNEL_CS, .ist = (u8)ist,
		.type = (u8)(0x8e | (dpl << 5)),       /* present interrupt gate */
		.off_mid = (u16)(stub >> 16), .off_hi = (u32)(stub >> 32),
	};
}

void cpu_init(void)
{
	struct { u16 limit; u64 base; } __attribute__((packed)) d;
	u64 t = (u64)&tss;

	tss.rsp[0] = (u64)entry_stack1_top;
	tss.ist[0] = (u64)entry_stack1_top;     /* IST1: everything */
	tss.ist[1] = (u64)entry_stack2_top;     /* IST2: NMI, #DF, #MC */
	tss.iomap = sizeof(tss);
	gdt[5] = (sizeof(tss) - 1) | ((t & 0xffffff) << 16) | (0x89ULL << 40) |
		 ((t >> 24 & 0xff) << 56);
	gdt[6] = t >> 32;

	d.limit = sizeof(gdt) - 1;
	d.base = (u64)gdt;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w3"
			 :: "m"(d), "i"(KERNEL_CS), "i"(KERNEL_DS), "r"(TSS_SEL)
			 : "rax", "memory");

	const struct trap_table_entry *e = (const void *)__trap_table_start;
	for (; e < (const struct trap_table_entry *)__trap_table_end; e++) {
		int v = (int)e->vector;
		int ist = (v == 2 || v == 8 || v == 18) ? 2 : 1;
		idt_set(v, e->stub, ist, v == VEC_SYSCALL ? 3 : 0);
	}
	d.limit = sizeof(idt) - 1;
	d.base = (u64)idt;
	__asm__ volatile("lidt %0" :: "m"(d));
}

/* 8259 PIC remapped to 0x20..0x2f, only IRQ0 (PIT) unmasked. */
void timer_init(unsigned hz)
{
	outb(0x20, 0x11); outb(0xa0, 0x11);
	outb(0x21, 0x20); outb(0xa1, 0x28);
	outb(0x21, 0x04); outb(0xa1, 0x02);
	outb(0x21, 0x01); outb(0xa1, 0x01);
	outb(0x21, 0xfe); outb(0xa1, 0xff);

	unsigned div = 1193182 / hz;
	outb(0x43, 0x34);               /* channel 0, lo/hi, rate generator */
	outb(0x40, (u8)div);
	outb(0x40, (u8)(div >> 8));
}
