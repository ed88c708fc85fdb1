/* drivers/mbox/transport_loop.c: the in-process loopback transport
 * ("loop:NAME"). Both ends live in one process (unit tests, benchmarks, the
 * all-in-one demo): the NIC end creates a named region in a process-local
 * registry, the HOST end attaches to it by name. The ring logic is the
 * common one in mbox.c; this file only provides the memory (anonymous
 * mapping, refcounted so either end may close first) and a futex doorbell
 * (process-private futexes, since nothing outside the process sees it). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "drivers/base/log.h"
#include "drivers/mbox/mbox.h"

#define MOD "mbox-loop"

/* One named region. */
struct loop_region {
	struct loop_region *next; /* registry list */
	char *name;               /* registry key; NULL once replaced */
	void *mem;                /* anonymous mapping */
	size_t size;              /* bytes of mem */
	unsigned refs;            /* ends holding it */
};

static pthread_mutex_t loop_lock = PTHREAD_MUTEX_INITIALIZER;
static struct loop_region *loop_regions; /* named regions */

static struct loop_region *loop_find(const char *name)
{
	for (struct loop_region *r = loop_regions; r; r = r->next)
		if (r->name && !strcmp(r->name, name))
			return r;
	return NULL;
}

static void loop_unlink(struct loop_region *victim)
{
	for (struct loop_region **pp = &loop_regions; *pp; pp = &(*pp)->next) {
		if (*pp == victim) {
			*pp = victim->next;
			return;
		}
	}
}

static void loop_free(struct loop_region *r)
{
	munmap(r->mem, r->size);
	free(r->name);
	free(r);
}

static int loop_map(struct mbox *mb, const char *path, enum mbox_role role, void **base,
		    size_t *size)
{
	int err = 0;
	pthread_mutex_lock(&loop_lock);
	struct loop_region *r = loop_find(path);
	if (role == MBOX_HOST) {
		if (!r) {
			err = -ENOENT;
			goto unlock;
		}
		if (*size && *size > r->size) {
			err = -ENOSPC;
			goto unlock;
		}
		goto take;
	}
	if (r && r->size >= *size)
		goto take; /* reuse: an attached host sees the new epoch */
	if (r) {
		/* Too small: the old one lives on (unnamed) until its last
		 * user leaves; a new one takes the name. */
		free(r->name);
		r->name = NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		err = -ENOMEM;
		goto unlock;
	}
	r->name = strdup(path);
	r->size = *size;
	r->mem = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!r->name || r->mem == MAP_FAILED) {
		err = -ENOMEM;
		if (r->mem != MAP_FAILED)
			munmap(r->mem, r->size);
		free(r->name);
		free(r);
		goto unlock;
	}
	r->next = loop_regions;
	loop_regions = r;
take:
	r->refs++;
	*base = r->mem;
	*size = r->size;
	mbox_set_backend_priv(mb, r);
unlock:
	pthread_mutex_unlock(&loop_lock);
	return err;
}

static void loop_unmap(struct mbox *mb)
{
	struct loop_region *r = mbox_backend_priv(mb);
	if (!r)
		return;
	pthread_mutex_lock(&loop_lock);
	if (--r->refs == 0) {
		loop_unlink(r);
		loop_free(r);
	}
	pthread_mutex_unlock(&loop_lock);
	mbox_set_backend_priv(mb, NULL);
}

static void loop_doorbell_ring(struct mbox *mb, uint32_t *word)
{
	mbox_futex_wake(word, 0);
}

static int loop_doorbell_wait(struct mbox *mb, uint32_t *word, uint32_t seen, int timeout_ms)
{
	return mbox_futex_wait(word, seen, timeout_ms, 0);
}

const struct mbox_transport_ops mbox_loop_ops = {
	.name = "loop",
	.map = loop_map,
	.unmap = loop_unmap,
	.doorbell_ring = loop_doorbell_ring,
	.doorbell_wait = loop_doorbell_wait,
};
