/*
 * compute.c - the workload's compute kernels: integer matrix multiply and
 * a 2-D 5-point stencil. Context: USER partition (ring 3, key 0) when
 * isolated; plain calls in the noiso build. Pure functions of the seed.
 */
#include "workload.h"

#define N 24
#define G 48
#define STEPS 16

static u32 a[N][N], b[N][N], c[N][N];
static u32 grid[2][G][G];

static u32 lcg(u32 *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static u64 fold(u64 h, u64 v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

long user_matmul(long seed, long a1)
{
	u32 s = (u32)seed;
	u64 h = 0xcbf29ce484222325ULL;
	(void)a1;

	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			a[i][j] = lcg(&s) & 0xffff;
			b[i][j] = lcg(&s) & 0xffff;
		}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			u32 acc = 0;
			for (int k = 0; k < N; k++)
				acc += a[i][k] * b[k][j];
			c[i][j] = acc;
		}
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			h = fold(h, c[i][j]);
	return (long)h;
}

long user_stencil(long seed, long a1)
{
	u32 s = (u32)seed;
	u64 h = 0xcbf29ce484222325ULL;
	(void)a1;
	int cur = 0;

	for (int i = 0; i < G; i++)
		for (int j = 0; j < G; j++)
			grid[0][i][j] = grid[1][i][j] = lcg(&s) & 0xfffff;
	for (int t = 0; t < STEPS; t++) {
		for (int i = 1; i < G - 1; i++)
			for (int j = 1; j < G - 1; j++)
				grid[!cur][i][j] = (4 * grid[cur][i][j] + grid[cur][i - 1][j] +
						    grid[cur][i + 1][j] + grid[cur][i][j - 1] +
						    grid[cur][i][j + 1]) >> 3;
		cur = !cur;
	}
	for (int i = 0; i < G; i++)
		for (int j = 0; j < G; j++)
			h = fold(h, grid[cur][i][j]);
	return (long)h;
}
