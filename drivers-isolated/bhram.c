// SPDX-License-Identifier: GPL-2.0
/*
 * bhram.c - a RAM disk that stores data in chunks of pages it allocates
 * at load (so a lost write is visible as a checksum mismatch).
 *
 * Execution context: inside a domain when built isolated, normal kernel
 * otherwise (include/bh_driver.h).  Calls nothing but bh_driver.h.
 */
#include "include/bh_driver.h"

#ifndef BHRAM_MB
#define BHRAM_MB	64
#endif
#define BHRAM_CHUNK_ORDER	9		/* 2 MiB: whole EPT large pages */
#define BHRAM_CHUNK_SHIFT	(BHRAM_CHUNK_ORDER + 12)
#define BHRAM_CHUNK_SIZE	BIT(BHRAM_CHUNK_SHIFT)
#define BHRAM_NR_CHUNKS		(BHRAM_MB >> (BHRAM_CHUNK_SHIFT - 20))
#define BHRAM_BYTES		((u64)BHRAM_MB << 20)

struct bhram {
	struct bh_blk_dev *dev;
	u8 *chunk[BHRAM_NR_CHUNKS];
};

static struct bhram bhram;

/*
 * Deliberate bugs, for the fault tests (debugfs knobs): wild_write, when
 * set, makes the next request write a pattern at that address; wild_map
 * makes the next request name that address as where its data is (a
 * confused deputy: the kernel would do the copy); wild_ret makes the
 * next map_rq return that value instead of 0 (an answer no driver API
 * has: the glue must fail the request).  Isolated, the write is stopped,
 * the address refused, and the domain killed; never set the first two on
 * the native build.
 */
static u64 bhram_wild_write, bhram_wild_map, bhram_wild_ret;

static void bhram_misbehave(void)
{
	if (bhram_wild_write) {
		u64 *p = (u64 *)bhram_wild_write;

		bhram_wild_write = 0;
		*p = 0x4141414141414141ULL;
	}
}

/* copy one segment from or to the store, chunk by chunk */
static int bhram_seg(struct bhram *r, u64 pos, u8 *buf, u32 len, int write)
{
	while (len) {
		u64 off = pos & (BHRAM_CHUNK_SIZE - 1);
		u32 n = len;
		u8 *c;

		if (pos >= BHRAM_BYTES)
			return -EIO;
		if (n > BHRAM_CHUNK_SIZE - off)
			n = BHRAM_CHUNK_SIZE - off;
		c = r->chunk[pos >> BHRAM_CHUNK_SHIFT] + off;
		if (write)
			bh_copy(c, buf, n);
		else
			bh_copy(buf, c, n);
		pos += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int bhram_queue_rq(void *drv, const struct bh_blk_req *req)
{
	struct bhram *r = drv;
	u64 pos = req->sector << BH_SECTOR_SHIFT;
	unsigned int i;
	int ret;

	bhram_misbehave();
	if (req->op == BH_REQ_FLUSH)
		return 0;
	if (req->nsegs > BH_BLK_MAX_SEGS)
		return -EINVAL;
	for (i = 0; i < req->nsegs; i++) {
		ret = bhram_seg(r, pos, req->seg[i].addr, req->seg[i].len,
				req->op == BH_REQ_WRITE);
		if (ret)
			return ret;
		pos += req->seg[i].len;
	}
	return 0;
}

/* where the request's bytes are in the store: one extent per chunk touched */
static int bhram_map_rq(void *drv, struct bh_blk_req *req)
{
	struct bhram *r = drv;
	u64 pos = req->sector << BH_SECTOR_SHIFT;
	u32 left = req->bytes, n;
	unsigned int i = 0;

	bhram_misbehave();
	for (; left; i++, pos += n, left -= n) {
		u64 off = pos & (BHRAM_CHUNK_SIZE - 1);

		if (pos >= BHRAM_BYTES || i == BH_BLK_MAX_SEGS)
			return -EIO;
		n = left;
		if (n > BHRAM_CHUNK_SIZE - off)
			n = BHRAM_CHUNK_SIZE - off;
		req->ext[i].addr = r->chunk[pos >> BHRAM_CHUNK_SHIFT] + off;
		req->ext[i].len = n;
	}
	if (bhram_wild_map && i) {
		req->ext[0].addr = (void *)bhram_wild_map;
		bhram_wild_map = 0;
	}
	req->next = i;
	if (bhram_wild_ret) {
		int ret = (int)bhram_wild_ret;

		bhram_wild_ret = 0;
		return ret;
	}
	return 0;
}

static const struct bh_blk_ops bhram_ops = {
	.queue_rq = bhram_queue_rq,
	.map_rq = bhram_map_rq,
};

static const struct bh_blk_params bhram_params = {
	.name = "bhram",
	.capacity = BHRAM_BYTES >> BH_SECTOR_SHIFT,
	.queue_depth = 64,
};

static void bhram_free(struct bhram *r)
{
	unsigned int i;

	for (i = 0; i < BHRAM_NR_CHUNKS; i++) {
		bh_pages_free(r->chunk[i], BHRAM_CHUNK_ORDER);
		r->chunk[i] = NULL;
	}
}

static int bhram_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < BHRAM_NR_CHUNKS; i++) {
		bhram.chunk[i] = bh_pages_alloc(BHRAM_CHUNK_ORDER);
		if (!bhram.chunk[i]) {
			bh_log("bhram: out of memory at chunk", i,
			       BHRAM_NR_CHUNKS);
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = bh_blk_add(&bhram_params, &bhram_ops, &bhram, &bhram.dev);
	if (!ret) {
		bh_test_knob("bhram_wild_write", &bhram_wild_write);
		bh_test_knob("bhram_wild_map", &bhram_wild_map);
		bh_test_knob("bhram_wild_ret", &bhram_wild_ret);
		return 0;
	}
out:
	bhram_free(&bhram);
	return ret;
}

static void bhram_exit(void)
{
	bh_test_knob("bhram_wild_write", NULL);
	bh_test_knob("bhram_wild_map", NULL);
	bh_test_knob("bhram_wild_ret", NULL);
	bh_blk_del(bhram.dev);
	bhram_free(&bhram);
}

BH_DRIVER(bhram, bhram_init, bhram_exit);
