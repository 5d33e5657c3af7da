/*
 * alloc.c - first-fit free-list allocator with a bump pointer. Context:
 * lib (shared partition text, no data of its own): runs under the caller's
 * PKRU and touches only the arena passed in. 16-byte granularity; freed
 * blocks go to an address-ordered list and merge with their neighbours.
 */
#include "alloc.h"

#define MAGIC 0xb10cb10cUL

struct block {
	size_t size;            /* including this header */
	union {
		struct block *next; /* when free */
		u64 magic;          /* when allocated */
	};
};

struct arena {
	u8 *base, *brk, *end;
	struct block *free;
	size_t used;
};

struct arena *arena_init(void *base, size_t size)
{
	struct arena *a = base;
	a->end = (u8 *)base + size;
	a->base = (u8 *)ALIGN_UP((u64)(a + 1), 16);
	arena_reset(a);
	return a;
}

void arena_reset(struct arena *a)
{
	a->brk = a->base;
	a->free = NULL;
	a->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t need = ALIGN_UP(n + sizeof(struct block), 16);
	struct block **pp, *b;

	for (pp = &a->free; (b = *pp); pp = &b->next) {
		if (b->size < need)
			continue;
		if (b->size - need >= 64) {     /* split, keep the tail free */
			struct block *t = (struct block *)((u8 *)b + need);
			t->size = b->size - need;
			t->next = b->next;
			*pp = t;
			b->size = need;
		} else {
			*pp = b->next;
		}
		goto found;
	}
	if ((size_t)(a->end - a->brk) < need)
		return NULL;
	b = (struct block *)a->brk;
	b->size = need;
	a->brk += need;
found:
	b->magic = MAGIC;
	a->used += b->size;
	return b + 1;
}

void arena_free(struct arena *a, void *p)
{
	struct block *b = (struct block *)p - 1, **pp, *prev = NULL;

	if (!p || b->magic != MAGIC)
		return;
	a->used -= b->size;
	for (pp = &a->free; *pp && *pp < b; pp = &(*pp)->next)
		prev = *pp;
	b->next = *pp;
	*pp = b;
	if (b->next && (u8 *)b + b->size == (u8 *)b->next) {
		b->size += b->next->size;
		b->next = b->next->next;
	}
	if (prev && (u8 *)prev + prev->size == (u8 *)b) {
		prev->size += b->size;
		prev->next = b->next;
	}
}

size_t arena_used(const struct arena *a)
{
	return a->used;
}
