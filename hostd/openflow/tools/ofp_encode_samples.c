/* hostd/openflow/tools/ofp_encode_samples.c: test helper program.
 *
 *   ofp-encode-samples            one line per sample: "NAME HEX"
 *   ofp-encode-samples NAME...    only those samples
 *   ofp-encode-samples -t         "NAME TEXT" (hostd's own format)
 *   ofp-encode-samples decode HEX decode HEX (spaces allowed): prints the
 *                                 text, or "error: NAME: reason" (exit 1)
 * tests/integration/ofp_print_crosscheck.sh feeds the hex to
 * `ovs-ofctl ofp-print`; the golden vectors were seeded from it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostd/openflow/ofp.h"
#include "hostd/openflow/tools/ofp_samples.h"

static int decode_hex(const char *hex)
{
	size_t cap = strlen(hex) / 2 + 1, n = 0;
	uint8_t *buf = malloc(cap);
	struct ofp_msg msg;
	char err[256];
	enum ofperr e;
	int hi = -1;

	if (!buf)
		return 2;
	for (; *hex; hex++) {
		int v;
		if (isspace((unsigned char)*hex))
			continue;
		if (!isxdigit((unsigned char)*hex)) {
			fprintf(stderr, "bad hex digit '%c'\n", *hex);
			free(buf);
			return 2;
		}
		v = isdigit((unsigned char)*hex) ? *hex - '0' : (tolower((unsigned char)*hex) - 'a' + 10);
		if (hi < 0) {
			hi = v;
		} else {
			buf[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	e = ofp_decode(buf, n, &msg, err, sizeof(err));
	if (e) {
		printf("error: %s: %s\n", ofperr_name(e), err);
		free(buf);
		return 1;
	} else {
		char *s = ofp_to_string(&msg);
		printf("%s\n", s ? s : "(nomem)");
		free(s);
	}
	ofp_msg_uninit(&msg);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	int text = 0, rc = 0, i0 = 1;
	size_t i;

	if (argc >= 3 && !strcmp(argv[1], "decode")) {
		struct ofpbuf all = OFPBUF_INIT;
		int k;
		for (k = 2; k < argc; k++)
			ofpbuf_printf(&all, "%s", argv[k]);
		rc = decode_hex(ofpbuf_cstr(&all));
		ofpbuf_uninit(&all);
		return rc;
	}
	if (argc >= 2 && !strcmp(argv[1], "-t")) {
		text = 1;
		i0 = 2;
	}
	for (i = 0; i < ofp_n_samples; i++) {
		struct ofpbuf b = OFPBUF_INIT;
		struct ofp_msg msg;
		char err[256];
		int k, want = argc <= i0;

		for (k = i0; k < argc; k++)
			if (!strcmp(argv[k], ofp_samples[i].name))
				want = 1;
		if (!want)
			continue;
		ofp_samples[i].build(&msg);
		if (text) {
			char *s = ofp_to_string(&msg);
			printf("%s %s\n", ofp_samples[i].name, s ? s : "(nomem)");
			free(s);
		} else if (ofp_encode(&msg, &b, err, sizeof(err))) {
			fprintf(stderr, "%s: encode failed: %s\n", ofp_samples[i].name, err);
			rc = 1;
		} else {
			printf("%s ", ofp_samples[i].name);
			for (k = 0; k < (int)b.len; k++)
				printf("%02x", b.data[k]);
			printf("\n");
		}
		ofp_msg_uninit(&msg);
		ofpbuf_uninit(&b);
	}
	return rc;
}
