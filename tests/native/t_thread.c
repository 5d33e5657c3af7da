// SPDX-License-Identifier: GPL-2.0
/*
 * t_thread.c - cases: PKRU is per thread.
 *
 * Execution context: user space (Linux, glibc, pthreads), real PKU.
 *
 * What Linux does (asserted here): clone() copies the creating thread's
 * PKRU into the new thread. A thread started outside the gate starts
 * closed; a thread started by code *inside* a domain starts with that
 * domain open. Gate users must not create threads from inside a domain.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <semaphore.h>
#include <stdint.h>

#include "cases.h"
#include "dom.h"

struct seen {
	uint32_t pkru;
	long read_faulted;
	struct t_fault fault;
};

static void *probe_thread(void *arg)
{
	struct seen *s = arg;

	s->pkru = t_rdpkru();
	s->read_faulted = t_probe_read(t_keyed);
	s->fault = t_last_fault;
	return NULL;
}

enum ktap_status thread_starts_closed(void)
{
	struct seen s = { 0 };
	pthread_t th;

	CHECK_EQ(t_rdpkru(), T_CLOSE);
	CHECK(!pthread_create(&th, NULL, probe_thread, &s));
	CHECK(!pthread_join(th, NULL));
	CHECK_EQ(s.pkru, T_CLOSE);
	CHECK_EQ(s.read_faulted, 1);
	CHECK_EQ(s.fault.code, SEGV_PKUERR);
	CHECK_EQ(s.fault.pkey, T_KEY);
	return KTAP_PASS;
}

static sem_t inside, release;

/* Runs in the domain of the other thread; waits there. */
static long wait_inside(long a, long b)
{
	(void)a;
	(void)b;
	sem_post(&inside);
	sem_wait(&release);
	return t_keyed[0] == T_SECRET && t_rdpkru() == T_OPEN;
}

static void *gate_thread(void *arg)
{
	long *ret = arg;

	if (dom_thread_init())
		return NULL;
	*ret = t_gate(wait_inside, 0, 0);
	return NULL;
}

enum ktap_status thread_gate_not_shared(void)
{
	struct seen s = { 0 };
	long other = -1;
	pthread_t th;

	sem_init(&inside, 0, 0);
	sem_init(&release, 0, 0);
	CHECK(!pthread_create(&th, NULL, gate_thread, &other));
	sem_wait(&inside);
	/* The other thread is inside the gate now. */
	probe_thread(&s);
	sem_post(&release);
	CHECK(!pthread_join(th, NULL));
	CHECK_EQ(other, 1);
	CHECK_EQ(s.pkru, T_CLOSE);
	CHECK_EQ(s.read_faulted, 1);
	CHECK_EQ(s.fault.code, SEGV_PKUERR);
	CHECK_EQ(s.fault.pkey, T_KEY);
	return KTAP_PASS;
}

static long spawn_inside(long a, long b)
{
	pthread_t th;

	(void)b;
	if (pthread_create(&th, NULL, probe_thread, (void *)a))
		return -1;
	return pthread_join(th, NULL);
}

enum ktap_status thread_created_in_gate_inherits(void)
{
	struct seen s = { 0 };

	CHECK_EQ(t_gate(spawn_inside, (long)&s, 0), 0);
	/* Linux behaviour: the new thread inherited the open PKRU. */
	CHECK_EQ(s.pkru, T_OPEN);
	CHECK_EQ(s.read_faulted, 0);
	CHECK_EQ(t_rdpkru(), T_CLOSE);
	return KTAP_PASS;
}
