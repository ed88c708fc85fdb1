/* hostd/dfctl/cmd_firmware.c: `dfctl firmware update IMAGE` and `dfctl
 * firmware status`. The image goes to hostd in one POST
 * (/v2.0/chassis/C/firmware, or /v2.0/dfnic/firmware for hostd's own
 * chassis: hostd/api/api_firmware.h); hostd's NIC client streams it over
 * the mailbox and this command follows it by polling the same URL: a
 * progress bar while the chunks go out, then the NIC's verdict (its
 * refusal with the image library's reason) and, once the NIC has restarted,
 * the version it runs. dfctl.c dispatches here (dfctl_int.h). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hostd/dfctl/dfctl_int.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2 };

#define POLL_MS 100

static void help(FILE *f)
{
	fprintf(f,
		"usage: dfctl firmware update IMAGE [--chassis C] [--timeout S]\n"
		"       dfctl firmware status [--chassis C] [--json]\n"
		"update: send a signed firmware image (dfimage sign) to the SmartNIC of\n"
		"chassis C (default: the chassis hostd runs as). hostd streams it over the\n"
		"mailbox; a progress bar shows the bytes the NIC acknowledged. The NIC\n"
		"verifies the signature and the board, writes it to its inactive slot\n"
		"and restarts on it as a trial; the trial is kept once its session with\n"
		"hostd is up, otherwise the NIC rolls back to the previous image.\n"
		"A refused image (tampered, truncated, another board, an untrusted key)\n"
		"is reported with the NIC's reason and the running firmware keeps going.\n"
		"Exit 0 when the NIC runs the new version, 1 when it was refused, failed\n"
		"or rolled back, or nothing was decided within --timeout (default 120 s).\n"
		"status: the firmware the NIC runs and the state of the last update.\n");
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static unsigned long long num(json_t *o, const char *k)
{
	return (unsigned long long)json_integer_value(json_object_get(o, k));
}

static double mib(unsigned long long b) { return (double)b / (1024.0 * 1024.0); }

/* The progress bar (TTY) or a line every 10 % (otherwise). */
struct progress {
	int tty;      /* stdout is a terminal */
	int last_pct; /* last percentage shown, -1: none */
	int bar_open; /* a \r line is on the screen */
};

static void show_progress(struct progress *p, unsigned long long sent, unsigned long long total)
{
	int pct = total ? (int)(sent * 100 / total) : 0;
	if (p->tty) {
		if (pct == p->last_pct)
			return;
		char bar[21];
		int fill = pct / 5;
		for (int i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : ' ';
		bar[20] = '\0';
		printf("\r[%s] %3d%% %.1f/%.1f MiB", bar, pct, mib(sent), mib(total));
		fflush(stdout);
		p->bar_open = 1;
	} else {
		if (p->last_pct >= 0 && pct / 10 == p->last_pct / 10)
			return;
		printf("sent %d%% %.1f/%.1f MiB (%llu/%llu bytes)\n", pct / 10 * 10, mib(sent),
		       mib(total), sent, total);
		fflush(stdout);
	}
	p->last_pct = pct;
}

static void end_bar(struct progress *p)
{
	if (p->bar_open) {
		printf("\n");
		p->bar_open = 0;
	}
}

static void nap_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	while (b) {
		if (n == cap) {
			char *nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
		size_t r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (!b)
		return -ENOMEM;
	if (err) {
		free(b);
		return -err;
	}
	*out = b;
	*len = n;
	return 0;
}

static int do_update(const char *image, const char *chassis, unsigned timeout_s)
{
	char *img = NULL; /* the image file, read whole */
	size_t len = 0;   /* its bytes */
	int r = read_file(image, &img, &len);
	if (r < 0) {
		fprintf(stderr, "dfctl: firmware update: %s: %s\n", image, strerror(-r));
		return EX_USAGE;
	}
	if (!len) {
		fprintf(stderr, "dfctl: firmware update: %s is empty\n", image);
		free(img);
		return EX_USAGE;
	}
	char *path = chassis_url(chassis, "firmware");
	struct reply rp = http_body("POST", path, "application/octet-stream", img, len);
	free(img);
	if (rp.status != 202) {
		free(path);
		return api_error(&rp, "firmware update");
	}
	json_t *fw = json_object_get(rp.body, "firmware");
	printf("firmware update: %s (%zu bytes, version %s) to chassis %s\n", image, len,
	       str(fw, "version")[0] ? str(fw, "version") : "?", str(fw, "chassis"));
	fflush(stdout);
	json_decref(rp.body);

	struct progress p = { .tty = isatty(STDOUT_FILENO), .last_pct = -1 };
	const char *said = "";
	int rc = EX_FAIL;
	char last_state[32] = "";
	for (unsigned waited = 0; waited <= timeout_s * 1000u; waited += POLL_MS) {
		rp = http("GET", path, NULL);
		if (rp.status != 200) {
			end_bar(&p);
			rc = api_error(&rp, "firmware status");
			goto out;
		}
		fw = json_object_get(rp.body, "firmware");
		const char *st = str(fw, "state");
		snprintf(last_state, sizeof(last_state), "%s", st);
		if (!strcmp(st, "sending") || !strcmp(st, "verifying") || !strcmp(st, "restarting") ||
		    !strcmp(st, "running"))
			show_progress(&p, num(fw, "sent"), num(fw, "total"));
		if (!strcmp(st, "verifying") && strcmp(said, "verifying")) {
			end_bar(&p);
			printf("sent; the NIC verifies the image\n");
			said = "verifying";
		} else if (!strcmp(st, "restarting") && strcmp(said, "restarting")) {
			end_bar(&p);
			printf("installed by the NIC; it restarts on version %s\n", str(fw, "version"));
			said = "restarting";
		} else if (!strcmp(st, "running")) {
			end_bar(&p);
			printf("the NIC runs version %s (%s)\n", str(fw, "version"), str(fw, "running"));
			rc = EX_OK;
		} else if (!strcmp(st, "failed")) {
			end_bar(&p);
			fprintf(stderr, "dfctl: firmware update refused: %s\n", str(fw, "error"));
			printf("the NIC keeps running %s\n", str(fw, "running"));
		} else if (!strcmp(st, "rolled-back")) {
			end_bar(&p);
			fprintf(stderr, "dfctl: firmware update rolled back: %s\n", str(fw, "error"));
		}
		fflush(stdout);
		int done = !strcmp(st, "running") || !strcmp(st, "failed") ||
			   !strcmp(st, "rolled-back") || !strcmp(st, "idle");
		json_decref(rp.body);
		if (done)
			goto out;
		nap_ms(POLL_MS);
	}
	end_bar(&p);
	fprintf(stderr, "dfctl: firmware update: no outcome within %u s (state %s)\n", timeout_s,
		last_state);
out:
	free(path);
	return rc;
}

static int do_status(const char *chassis)
{
	char *path = chassis_url(chassis, "firmware");
	struct reply rp = http("GET", path, NULL);
	free(path);
	if (rp.status != 200)
		return api_error(&rp, "firmware status");
	if (json_out) {
		print_json(rp.body);
		json_decref(rp.body);
		return EX_OK;
	}
	json_t *fw = json_object_get(rp.body, "firmware");
	int up = json_is_true(json_object_get(fw, "connected"));
	printf("chassis %s: NIC %s, firmware %s\n", str(fw, "chassis"),
	       up ? "connected" : "not connected",
	       str(fw, "running")[0] ? str(fw, "running") : "unknown (never connected)");
	printf("last update: %s", str(fw, "state"));
	if (strcmp(str(fw, "state"), "idle"))
		printf(" (version %s, %llu/%llu bytes sent)",
		       str(fw, "version")[0] ? str(fw, "version") : "?", num(fw, "sent"),
		       num(fw, "total"));
	printf("\n");
	if (str(fw, "error")[0])
		printf("error: %s\n", str(fw, "error"));
	json_decref(rp.body);
	return EX_OK;
}

int cmd_firmware(int argc, char **argv)
{
	const char *sub = NULL, *image = NULL, *chassis = NULL;
	unsigned long timeout_s = 120;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help(stdout);
			return EX_OK;
		} else if (!strcmp(a, "--chassis") || !strcmp(a, "--timeout")) {
			if (i + 1 == argc) {
				fprintf(stderr, "dfctl: firmware: %s needs a value\n", a);
				return EX_USAGE;
			}
			const char *v = argv[++i];
			if (a[2] == 'c') {
				chassis = v;
			} else {
				char *end;
				errno = 0;
				timeout_s = strtoul(v, &end, 10);
				if (errno || *end || !*v || timeout_s < 1 || timeout_s > 3600) {
					fprintf(stderr, "dfctl: firmware: --timeout '%s' is not 1..3600\n",
						v);
					return EX_USAGE;
				}
			}
		} else if (!strcmp(a, "--json") || !strcmp(a, "-j")) {
			json_out = 1;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "dfctl: firmware: unknown option '%s'\n", a);
			help(stderr);
			return EX_USAGE;
		} else if (!sub) {
			sub = a;
		} else if (!image) {
			image = a;
		} else {
			fprintf(stderr, "dfctl: firmware: unexpected argument '%s'\n", a);
			return EX_USAGE;
		}
	}
	if (sub && !strcmp(sub, "update") && image)
		return do_update(image, chassis, (unsigned)timeout_s);
	if (sub && !strcmp(sub, "status") && !image)
		return do_status(chassis);
	help(stderr);
	return EX_USAGE;
}
