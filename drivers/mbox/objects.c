/* drivers/mbox/objects.c: decode_/encode_/format_ of the object bodies
 * listed in objects.h. session.c hands OBJ_SET bodies over untouched; the
 * firmware's mirror calls mbox_obj_check() before storing one, and hostd
 * encodes its state with the encode_ functions. */
#include "drivers/mbox/objects.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const char *mbox_obj_kind_name(unsigned kind)
{
	switch (kind) {
#define MBOX_OBJ_NAME(name, code, size, desc) case code: return #name;
	MBOX_OBJ_KIND_LIST(MBOX_OBJ_NAME)
#undef MBOX_OBJ_NAME
	default:
		return NULL;
	}
}

/* A NUL-padded printable string field of `cap` bytes: copy it to out
 * (cap + 1 bytes) or say what is wrong with it. */
static int pull_string(const char *field, const char *src, size_t cap, char *out,
		       char *err, size_t errlen)
{
	size_t n = 0;
	while (n < cap && src[n])
		n++;
	if (n == 0) {
		snprintf(err, errlen, "%s is empty", field);
		return -EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c < 0x20 || c > 0x7e) {
			snprintf(err, errlen, "%s has a non-printable byte %#x at %zu", field, c, i);
			return -EBADMSG;
		}
	}
	for (size_t i = n; i < cap; i++) {
		if (src[i]) {
			snprintf(err, errlen, "%s has nonzero padding at %zu", field, i);
			return -EBADMSG;
		}
	}
	memcpy(out, src, n);
	out[n] = '\0';
	return 0;
}

static int put_string(const char *s, char *dst, size_t cap)
{
	size_t n = strlen(s);
	if (n == 0 || n > cap)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -EINVAL;
	memset(dst, 0, cap);
	memcpy(dst, s, n);
	return 0;
}

int mbox_decode_host_info(const uint8_t *body, size_t len, struct mbox_host_info *out,
			  char *err, size_t errlen)
{
	char dummy[1];
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	if (len != sizeof(struct mbox_wire_host_info)) {
		snprintf(err, errlen, "HOST_INFO body is %zu bytes, expected %zu", len,
			 sizeof(struct mbox_wire_host_info));
		return -EBADMSG;
	}
	struct mbox_wire_host_info w;
	memcpy(&w, body, sizeof(w));
	int r = pull_string("hostname", w.hostname, sizeof(w.hostname), out->hostname, err, errlen);
	if (r)
		return r;
	return pull_string("version", w.version, sizeof(w.version), out->version, err, errlen);
}

int mbox_encode_host_info(const struct mbox_host_info *in, void *buf, size_t cap)
{
	struct mbox_wire_host_info w;
	if (cap < sizeof(w))
		return -EMSGSIZE;
	if (put_string(in->hostname, w.hostname, sizeof(w.hostname)) ||
	    put_string(in->version, w.version, sizeof(w.version)))
		return -EINVAL;
	memcpy(buf, &w, sizeof(w));
	return (int)sizeof(w);
}

int mbox_format_host_info(const struct mbox_host_info *in, char *buf, size_t cap)
{
	return snprintf(buf, cap, "hostname=%s version=%s", in->hostname, in->version);
}

int mbox_obj_check(unsigned kind, const uint8_t *body, size_t len, char *err, size_t errlen)
{
	switch (kind) {
	case MBOX_OBJ_HOST_INFO: {
		struct mbox_host_info hi;
		return mbox_decode_host_info(body, len, &hi, err, errlen);
	}
	default:
		if (err && errlen)
			snprintf(err, errlen, "unknown object kind %u", kind);
		return -EOPNOTSUPP;
	}
}

int mbox_obj_format(unsigned kind, const uint8_t *body, size_t len, char *buf, size_t cap)
{
	char err[96];
	switch (kind) {
	case MBOX_OBJ_HOST_INFO: {
		struct mbox_host_info hi;
		if (mbox_decode_host_info(body, len, &hi, err, sizeof(err)) == 0)
			return mbox_format_host_info(&hi, buf, cap);
		break;
	}
	default:
		snprintf(err, sizeof(err), "unknown kind, %zu bytes", len);
		break;
	}
	return snprintf(buf, cap, "<%s>", err);
}
