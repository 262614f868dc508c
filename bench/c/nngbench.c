/*
 * libnng peer for bench/run.mjs: the same roles and output as the peers in bench/peers/.
 * Built by bench/lib/build-c.mjs with `cc -O2 nngbench.c -lnng -lpthread`.
 *
 *   nngbench pull   <url> <warmup_ms>                 listen; READY; count until an empty message
 *   nngbench push   <url> <size> <ms>                 dial; send for <ms>, then an empty message
 *   nngbench rep    <url>                             listen; READY; echo forever
 *   nngbench req    <url> <size> <ms> <warmup_ms>     dial; round trips for <ms>
 *   nngbench inproc <size> <ms> <warmup_ms>           push and pull threads in one process
 *   nngbench version                                  libnng's version
 *
 * Receivers print one JSON line: {"msgs":N,"bytes":B,"seconds":S,"rss":KB}; req prints
 * {"samples":N,"median_us":M,"p99_us":P}.
 */
#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rv) {
	fprintf(stderr, "nngbench: %s: %s\n", what, nng_strerror(rv));
	exit(1);
}

static long rss_kb(void) {
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Blocks until the runner closes our stdin: queued messages are not dropped by an early close. */
static void wait_stdin(void) {
	char b[64];
	while (read(0, b, sizeof b) > 0) {
	}
}

static void count_until_empty(nng_socket s, double warmup) {
	uint64_t n = 0, bytes = 0, n0 = 0, b0 = 0;
	double first = 0, t0 = 0;
	int started = 0;
	for (;;) {
		nng_msg *m;
		int rv = nng_recvmsg(s, &m, 0);
		if (rv != 0) die("recv", rv);
		size_t len = nng_msg_len(m);
		nng_msg_free(m);
		if (len == 0) break;
		n++;
		bytes += len;
		if (n == 1) first = now_s();
		if (!started && ((n & 255) == 0 || len >= 4096)) {
			double t = now_s();
			if (t - first >= warmup) {
				started = 1;
				t0 = t;
				n0 = n;
				b0 = bytes;
			}
		}
	}
	double t1 = now_s();
	if (!started) {
		t0 = first;
		n0 = 1;
		b0 = bytes / (n ? n : 1);
	}
	printf("{\"msgs\":%llu,\"bytes\":%llu,\"seconds\":%.6f,\"rss\":%ld}\n", (unsigned long long)(n - n0),
	    (unsigned long long)(bytes - b0), t1 - t0, rss_kb());
	fflush(stdout);
}

static void send_for(nng_socket s, size_t size, double secs) {
	char *buf = calloc(1, size ? size : 1);
	double end = now_s() + secs;
	for (uint64_t i = 1;; i++) {
		int rv = nng_send(s, buf, size, 0);
		if (rv != 0) die("send", rv);
		if ((i & 255) == 0 && now_s() >= end) break;
	}
	int rv = nng_send(s, buf, 0, 0);
	if (rv != 0) die("send", rv);
	free(buf);
}

static void set_unlimited(nng_socket s) {
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0);
}

struct inproc_args {
	nng_socket s;
	size_t size;
	double secs;
};

static void *inproc_sender(void *p) {
	struct inproc_args *a = p;
	send_for(a->s, a->size, a->secs);
	return NULL;
}

static int cmp_double(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	nng_socket s;
	int rv;
	if (argc < 2) {
		fprintf(stderr, "usage: nngbench pull|push|rep|req|inproc ...\n");
		return 2;
	}
	const char *role = argv[1];
	if (strcmp(role, "version") == 0) {
		printf("%s\n", nng_version());
		return 0;
	}
	if (strcmp(role, "pull") == 0 && argc == 4) {
		if ((rv = nng_pull0_open(&s)) != 0) die("open", rv);
		set_unlimited(s);
		if ((rv = nng_listen(s, argv[2], NULL, 0)) != 0) die("listen", rv);
		printf("READY\n");
		fflush(stdout);
		count_until_empty(s, atof(argv[3]) / 1000);
	} else if (strcmp(role, "push") == 0 && argc == 5) {
		if ((rv = nng_push0_open(&s)) != 0) die("open", rv);
		if ((rv = nng_dial(s, argv[2], NULL, 0)) != 0) die("dial", rv);
		send_for(s, (size_t)atol(argv[3]), atof(argv[4]) / 1000);
		wait_stdin();
	} else if (strcmp(role, "rep") == 0 && argc == 3) {
		if ((rv = nng_rep0_open(&s)) != 0) die("open", rv);
		set_unlimited(s);
		if ((rv = nng_listen(s, argv[2], NULL, 0)) != 0) die("listen", rv);
		printf("READY\n");
		fflush(stdout);
		for (;;) {
			nng_msg *m;
			if ((rv = nng_recvmsg(s, &m, 0)) != 0) die("recv", rv);
			if ((rv = nng_sendmsg(s, m, 0)) != 0) die("send", rv);
		}
	} else if (strcmp(role, "req") == 0 && argc == 6) {
		if ((rv = nng_req0_open(&s)) != 0) die("open", rv);
		set_unlimited(s);
		if ((rv = nng_dial(s, argv[2], NULL, 0)) != 0) die("dial", rv);
		size_t size = (size_t)atol(argv[3]);
		double secs = atof(argv[4]) / 1000, warm = atof(argv[5]) / 1000;
		char *buf = calloc(1, size ? size : 1);
		size_t cap = 1 << 20, n = 0;
		double *lat = malloc(cap * sizeof *lat);
		double start = now_s();
		for (;;) {
			double t0 = now_s();
			if (t0 - start >= warm + secs) break;
			if ((rv = nng_send(s, buf, size, 0)) != 0) die("send", rv);
			nng_msg *m;
			if ((rv = nng_recvmsg(s, &m, 0)) != 0) die("recv", rv);
			nng_msg_free(m);
			double t1 = now_s();
			if (t0 - start >= warm && n < cap) lat[n++] = (t1 - t0) * 1e6;
		}
		qsort(lat, n, sizeof *lat, cmp_double);
		printf("{\"samples\":%zu,\"median_us\":%.2f,\"p99_us\":%.2f,\"rss\":%ld}\n", n, n ? lat[n / 2] : 0.0,
		    n ? lat[(size_t)((double)n * 0.99)] : 0.0, rss_kb());
		fflush(stdout);
	} else if (strcmp(role, "inproc") == 0 && argc == 5) {
		nng_socket push;
		char url[64];
		snprintf(url, sizeof url, "inproc://nngbench-%d", (int)getpid());
		if ((rv = nng_pull0_open(&s)) != 0) die("open", rv);
		if ((rv = nng_listen(s, url, NULL, 0)) != 0) die("listen", rv);
		if ((rv = nng_push0_open(&push)) != 0) die("open", rv);
		if ((rv = nng_dial(push, url, NULL, 0)) != 0) die("dial", rv);
		struct inproc_args a = { push, (size_t)atol(argv[2]), atof(argv[3]) / 1000 };
		pthread_t th;
		pthread_create(&th, NULL, inproc_sender, &a);
		count_until_empty(s, atof(argv[4]) / 1000);
		pthread_join(th, NULL);
		nng_close(push);
	} else {
		fprintf(stderr, "nngbench: bad arguments for %s\n", role);
		return 2;
	}
	nng_close(s);
	return 0;
}
