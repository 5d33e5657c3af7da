/*
 * kv.c - request parser and key-value store. Context: unikernel, UNSAFE
 * partition (key UNSAFE, ring 0, own stack). It parses untrusted text from
 * the shared batch buffer; every byte it touches is either its own (store,
 * heap) or shared. A bug here faults with a PK #PF and is contained.
 *
 * Requests, one per line: SET key value | GET key | ADD key delta | DEL key
 * Responses (one u64 per line): SET 0 new / 1 replaced, GET value or ~0,
 * ADD new value, DEL 1 / 0, RESP_BAD for a malformed line.
 */
#include "workload.h"
#include "alloc.h"

#define NBUCKET 256
#define KEY_MAX 24

struct entry {
	struct entry *next;
	u64 value;
	u32 keylen;
	char key[KEY_MAX];
};

static struct arena *heap;
static struct entry *buckets[NBUCKET];

long kv_init(long h, long a1, long a2)
{
	(void)a1, (void)a2;
	heap = (struct arena *)h;
	arena_reset(heap);
	for (int i = 0; i < NBUCKET; i++)
		buckets[i] = NULL;
	return 0;
}

static u32 hash(const char *k, u32 n)
{
	u32 h = 2166136261u;
	while (n--)
		h = (h ^ (u8)*k++) * 16777619u;
	return h;
}

static struct entry **lookup(const char *k, u32 n)
{
	struct entry **pp = &buckets[hash(k, n) % NBUCKET];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->keylen == n && !memcmp((*pp)->key, k, n))
			return pp;
	return pp;
}

/* parse "<word> " -> returns length, advances *p; 0 if none */
static u32 word(const char **p, const char *end)
{
	const char *s = *p;
	while (*p < end && **p != ' ' && **p != '\n')
		(*p)++;
	u32 n = (u32)(*p - s);
	if (*p < end && **p == ' ')
		(*p)++;
	return n;
}

static bool number(const char **p, const char *end, u64 *v)
{
	const char *s = *p;
	*v = 0;
	while (*p < end && **p >= '0' && **p <= '9')
		*v = *v * 10 + (u64)(*(*p)++ - '0');
	return *p > s;
}

static u64 apply(const char *line, const char *end)
{
	const char *p = line, *op = p;
	u32 opn = word(&p, end);
	const char *key = p;
	u32 keyn = word(&p, end);
	u64 v = 0;

	if (opn != 3 || keyn == 0 || keyn > KEY_MAX)
		return RESP_BAD;
	struct entry **pp = lookup(key, keyn), *e = *pp;
	if (!memcmp(op, "GET", 3))
		return p == end ? (e ? e->value : ~0ULL) : RESP_BAD;
	if (!memcmp(op, "DEL", 3)) {
		if (p != end)
			return RESP_BAD;
		if (!e)
			return 0;
		*pp = e->next;
		arena_free(heap, e);
		return 1;
	}
	if (!number(&p, end, &v) || p != end)
		return RESP_BAD;
	if (!memcmp(op, "ADD", 3)) {
		if (!e)
			return RESP_BAD;
		return e->value += v;
	}
	if (memcmp(op, "SET", 3))
		return RESP_BAD;
	if (e) {
		e->value = v;
		return 1;
	}
	e = arena_alloc(heap, sizeof(*e));
	if (!e)
		return RESP_BAD;
	e->next = NULL;
	e->value = v;
	e->keylen = keyn;
	memcpy(e->key, key, keyn);
	*pp = e;
	return 0;
}

long kv_process(long batch, long a1, long a2)
{
	struct kv_batch *b = (struct kv_batch *)batch;
	const char *p = b->req, *end = b->req + (b->len < REQ_MAX ? b->len : REQ_MAX);
	(void)a1, (void)a2;

	b->nresp = 0;
	while (p < end && b->nresp < RESP_MAX) {
		const char *nl = p;
		while (nl < end && *nl != '\n')
			nl++;
		b->resp[b->nresp++] = apply(p, nl);
		p = nl + 1;
	}
	return b->nresp;
}
