/*
 * alloc.h - a small first-fit allocator over one arena. Context: lib
 * (shared text), called by whichever partition owns the arena: the header
 * and the free list live inside the arena, so the arena's protection key
 * decides who may allocate from it.
 */
#ifndef BH_ALLOC_H
#define BH_ALLOC_H
#include "bh.h"
struct arena;
struct arena *arena_init(void *base, size_t size);
void arena_reset(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
void arena_free(struct arena *a, void *p);
size_t arena_used(const struct arena *a);
#endif
