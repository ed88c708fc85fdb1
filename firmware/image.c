/* firmware/image.c: decode, encode and verify signed firmware images
 * (format in firmware/image_wire.h, API and check order in image.h). The
 * signing half is image_sign.c, so a reader that only verifies (the
 * firmware) links no signing code. Used by dfimage (image_tool.c), the
 * unit tests and the fuzz target (image_fuzz.c). */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "drivers/base/util.h"
#include "firmware/image.h"

static const struct {
	const char *name; /* "TRUNCATED" */
	int err;          /* positive errno */
	const char *text; /* short description */
} codes[] = {
#define DFIMG_ROW(n, e, t) [DFIMG_ERR_##n] = { #n, e, t },
	DFIMG_ERR_LIST(DFIMG_ROW)
#undef DFIMG_ROW
};

const char *dfimg_code_name(enum dfimg_code code)
{
	return (unsigned)code < ARRAY_SIZE(codes) ? codes[code].name : NULL;
}

const char *dfimg_code_text(enum dfimg_code code)
{
	return (unsigned)code < ARRAY_SIZE(codes) ? codes[code].text : NULL;
}

int dfimg_code_errno(enum dfimg_code code)
{
	return (unsigned)code < ARRAY_SIZE(codes) ? codes[code].err : EINVAL;
}

int dfimg_fail(struct dfimg_err *err, enum dfimg_code code, const char *fmt, ...)
{
	if (err) {
		int n = snprintf(err->msg, sizeof(err->msg), "%s: ", codes[code].text);
		va_list ap;
		va_start(ap, fmt);
		if (n > 0 && (size_t)n < sizeof(err->msg))
			vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return -codes[code].err;
}

static void ok(struct dfimg_err *err)
{
	if (err) {
		err->code = DFIMG_ERR_OK;
		snprintf(err->msg, sizeof(err->msg), "%s", codes[DFIMG_ERR_OK].text);
	}
}

/* Most recent OpenSSL error as text (drains the queue). */
static const char *ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_get_error();
	unsigned long last = e;
	while (e) {
		last = e;
		e = ERR_get_error();
	}
	if (!last)
		snprintf(buf, len, "no OpenSSL error recorded");
	else
		ERR_error_string_n(last, buf, len);
	return buf;
}

void dfimg_format_key_id(const uint8_t id[DFIMG_KEY_ID_LEN], char *buf, size_t len)
{
	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < DFIMG_KEY_ID_LEN && 2 * i + 2 < len; i++)
		snprintf(buf + 2 * i, 3, "%02x", id[i]);
}

int dfimg_check_board(const char *board)
{
	size_t n = board ? strlen(board) : 0;
	if (n == 0 || n >= DFIMG_NAME_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = board[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return -EINVAL;
	}
	return 0;
}

int dfimg_check_version(const char *version)
{
	size_t n = version ? strlen(version) : 0;
	if (n == 0 || n >= DFIMG_NAME_LEN)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (version[i] <= ' ' || version[i] > '~')
			return -EINVAL;
	return 0;
}

/* Copy a NUL-padded on-disk name out: it must end in NUL inside its field,
 * carry only zeros after the first NUL, and pass check(). */
static int decode_name(const char *field, const char *what, int (*check)(const char *),
		       char out[DFIMG_NAME_LEN + 1], struct dfimg_err *err)
{
	size_t n = strnlen(field, DFIMG_NAME_LEN);
	if (n == DFIMG_NAME_LEN)
		return dfimg_fail(err, DFIMG_ERR_HEADER, "%s field has no NUL terminator in its %d bytes",
			    what, DFIMG_NAME_LEN);
	for (size_t i = n; i < DFIMG_NAME_LEN; i++)
		if (field[i])
			return dfimg_fail(err, DFIMG_ERR_HEADER,
				    "%s field has a nonzero byte 0x%02x at %zu after its end",
				    what, (unsigned char)field[i], i);
	memcpy(out, field, n);
	out[n] = '\0';
	if (check(out) < 0) {
		char shown[4 * DFIMG_NAME_LEN + 1];
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];
			if (c >= ' ' && c <= '~' && c != '\\')
				shown[k++] = (char)c;
			else
				k += (size_t)snprintf(shown + k, sizeof(shown) - k, "\\x%02x", c);
		}
		shown[k] = '\0';
		return dfimg_fail(err, DFIMG_ERR_HEADER, "%s '%s' is %s", what, shown,
			    n == 0 ? "empty" : "not a valid name");
	}
	return 0;
}

int dfimg_decode_header(const void *buf, size_t len, struct dfimg_info *info,
			struct dfimg_err *err)
{
	struct dfimg_hdr h;
	struct dfimg_info out = { 0 };
	int r;
	if (!buf && len)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL buffer");
	if (len < sizeof(h))
		return dfimg_fail(err, DFIMG_ERR_SHORT, "%zu byte(s), the header alone is %zu", len,
			    sizeof(h));
	memcpy(&h, buf, sizeof(h)); /* no alignment assumption on buf */
	if (memcmp(h.magic, DFIMG_MAGIC, DFIMG_MAGIC_LEN) != 0)
		return dfimg_fail(err, DFIMG_ERR_MAGIC,
			    "first bytes %02x %02x %02x %02x %02x %02x %02x %02x, expected \"%s\"",
			    h.magic[0], h.magic[1], h.magic[2], h.magic[3], h.magic[4], h.magic[5],
			    h.magic[6], h.magic[7], DFIMG_MAGIC);
	out.format = le16toh(h.format);
	if (out.format != DFIMG_FORMAT_VERSION)
		return dfimg_fail(err, DFIMG_ERR_FORMAT, "version %u, this build reads %u", out.format,
			    DFIMG_FORMAT_VERSION);
	uint16_t hdr_size = le16toh(h.hdr_size);
	if (hdr_size != sizeof(h))
		return dfimg_fail(err, DFIMG_ERR_HEADER, "hdr_size %u, format %u has %zu", hdr_size,
			    DFIMG_FORMAT_VERSION, sizeof(h));
	out.sig_alg = le16toh(h.sig_alg);
	out.sig_size = le16toh(h.sig_size);
	if (out.sig_alg != DFIMG_SIG_ED25519)
		return dfimg_fail(err, DFIMG_ERR_HEADER, "signature algorithm %u unknown (%u is Ed25519)",
			    out.sig_alg, DFIMG_SIG_ED25519);
	if (out.sig_size != DFIMG_ED25519_SIG_LEN)
		return dfimg_fail(err, DFIMG_ERR_HEADER, "sig_size %u, Ed25519 signatures are %d bytes",
			    out.sig_size, DFIMG_ED25519_SIG_LEN);
	out.payload_size = le64toh(h.payload_size);
	if (out.payload_size == 0 || out.payload_size > DFIMG_MAX_PAYLOAD)
		return dfimg_fail(err, DFIMG_ERR_HEADER, "payload_size %llu outside 1..%u",
			    (unsigned long long)out.payload_size, DFIMG_MAX_PAYLOAD);
	r = decode_name(h.board, "board", dfimg_check_board, out.board, err);
	if (r < 0)
		return r;
	r = decode_name(h.version, "version", dfimg_check_version, out.version, err);
	if (r < 0)
		return r;
	memcpy(out.key_id, h.key_id, sizeof(out.key_id));
	memcpy(out.payload_sha256, h.payload_sha256, sizeof(out.payload_sha256));
	out.payload_off = sizeof(h);
	out.image_size = sizeof(h) + (size_t)out.payload_size + out.sig_size;
	if (info)
		*info = out;
	ok(err);
	return 0;
}

int dfimg_encode_header(const struct dfimg_info *info, void *buf, size_t len,
			struct dfimg_err *err)
{
	struct dfimg_hdr h;
	if (!info || !buf)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL info or buffer");
	if (len < sizeof(h))
		return dfimg_fail(err, DFIMG_ERR_ARG, "buffer of %zu bytes, the header is %zu", len,
			    sizeof(h));
	if (dfimg_check_board(info->board) < 0)
		return dfimg_fail(err, DFIMG_ERR_ARG, "board '%s': 1..%d of [a-z0-9._-]", info->board,
			    DFIMG_NAME_LEN - 1);
	if (dfimg_check_version(info->version) < 0)
		return dfimg_fail(err, DFIMG_ERR_ARG,
			    "version '%s': 1..%d printable characters, no spaces", info->version,
			    DFIMG_NAME_LEN - 1);
	if (info->payload_size == 0 || info->payload_size > DFIMG_MAX_PAYLOAD)
		return dfimg_fail(err, DFIMG_ERR_ARG, "payload of %llu bytes outside 1..%u",
			    (unsigned long long)info->payload_size, DFIMG_MAX_PAYLOAD);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, DFIMG_MAGIC, DFIMG_MAGIC_LEN);
	h.format = htole16(DFIMG_FORMAT_VERSION);
	h.hdr_size = htole16((uint16_t)sizeof(h));
	h.sig_alg = htole16(DFIMG_SIG_ED25519);
	h.sig_size = htole16(DFIMG_ED25519_SIG_LEN);
	h.payload_size = htole64(info->payload_size);
	memcpy(h.board, info->board, strlen(info->board));
	memcpy(h.version, info->version, strlen(info->version));
	memcpy(h.key_id, info->key_id, sizeof(h.key_id));
	memcpy(h.payload_sha256, info->payload_sha256, sizeof(h.payload_sha256));
	memcpy(buf, &h, sizeof(h));
	ok(err);
	return 0;
}

void dfimg_format_info(const struct dfimg_info *info, char *buf, size_t len)
{
	char kid[2 * DFIMG_KEY_ID_LEN + 1];
	char sha[2 * DFIMG_SHA256_LEN + 1];
	dfimg_format_key_id(info->key_id, kid, sizeof(kid));
	for (size_t i = 0; i < DFIMG_SHA256_LEN; i++)
		snprintf(sha + 2 * i, 3, "%02x", info->payload_sha256[i]);
	snprintf(buf, len,
		 "format %u, board %s, version %s, payload %llu bytes, sha256 %s, "
		 "signature %s (%u bytes), key id %s",
		 info->format, info->board, info->version, (unsigned long long)info->payload_size,
		 sha, info->sig_alg == DFIMG_SIG_ED25519 ? "ed25519" : "unknown", info->sig_size,
		 kid);
}

int dfimg_key_id(EVP_PKEY *key, uint8_t id[DFIMG_KEY_ID_LEN], struct dfimg_err *err)
{
	uint8_t raw[32], md[EVP_MAX_MD_SIZE];
	size_t rawlen = sizeof(raw);
	unsigned mdlen = 0;
	char why[160];
	if (!key || !id)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL key or id");
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return dfimg_fail(err, DFIMG_ERR_ARG, "key type %s is not Ed25519",
			    OBJ_nid2sn(EVP_PKEY_get_id(key)));
	if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) != 1 || rawlen != sizeof(raw))
		return dfimg_fail(err, DFIMG_ERR_CRYPTO, "raw public key: %s", ssl_reason(why, sizeof(why)));
	if (EVP_Digest(raw, rawlen, md, &mdlen, EVP_sha256(), NULL) != 1)
		return dfimg_fail(err, DFIMG_ERR_CRYPTO, "SHA-256: %s", ssl_reason(why, sizeof(why)));
	memcpy(id, md, DFIMG_KEY_ID_LEN);
	ok(err);
	return 0;
}

int dfimg_verify(const void *img, size_t len, EVP_PKEY *trusted, const char *board,
		 struct dfimg_info *info, struct dfimg_err *err)
{
	struct dfimg_info in;
	uint8_t md[EVP_MAX_MD_SIZE], kid[DFIMG_KEY_ID_LEN];
	unsigned mdlen = 0;
	char why[160], a[2 * DFIMG_KEY_ID_LEN + 1], b[2 * DFIMG_KEY_ID_LEN + 1];
	int r;
	if (!trusted)
		return dfimg_fail(err, DFIMG_ERR_ARG, "no trusted key");
	r = dfimg_decode_header(img, len, &in, err);
	if (r < 0)
		return r;
	if (len < in.image_size)
		return dfimg_fail(err, DFIMG_ERR_TRUNCATED,
			    "%zu byte(s), the header announces %zu (%zu header + %llu payload + %u "
			    "signature)", len, in.image_size, in.payload_off,
			    (unsigned long long)in.payload_size,
			    in.sig_size);
	if (len > in.image_size)
		return dfimg_fail(err, DFIMG_ERR_TRAILING, "%zu byte(s) after the %zu the header announces",
			    len - in.image_size, in.image_size);
	if (board && strcmp(board, in.board) != 0)
		return dfimg_fail(err, DFIMG_ERR_BOARD, "image is for board '%s', this is '%s'", in.board,
			    board);
	r = dfimg_key_id(trusted, kid, err);
	if (r < 0)
		return r;
	if (memcmp(kid, in.key_id, sizeof(kid)) != 0) {
		dfimg_format_key_id(in.key_id, a, sizeof(a));
		dfimg_format_key_id(kid, b, sizeof(b));
		return dfimg_fail(err, DFIMG_ERR_KEY, "signed by key id %s, the trusted key is %s", a, b);
	}
	const uint8_t *bytes = img;
	if (EVP_Digest(bytes + in.payload_off, (size_t)in.payload_size, md, &mdlen, EVP_sha256(),
		       NULL) != 1)
		return dfimg_fail(err, DFIMG_ERR_CRYPTO, "SHA-256: %s", ssl_reason(why, sizeof(why)));
	if (memcmp(md, in.payload_sha256, DFIMG_SHA256_LEN) != 0) {
		char got[2 * 8 + 1], want[2 * 8 + 1];
		for (int i = 0; i < 8; i++) {
			snprintf(got + 2 * i, 3, "%02x", md[i]);
			snprintf(want + 2 * i, 3, "%02x", in.payload_sha256[i]);
		}
		return dfimg_fail(err, DFIMG_ERR_DIGEST, "the %llu payload bytes hash to %s..., the "
			    "header says %s...", (unsigned long long)in.payload_size, got, want);
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return dfimg_fail(err, DFIMG_ERR_NOMEM, "EVP_MD_CTX_new");
	size_t signed_len = in.payload_off + (size_t)in.payload_size;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, trusted) != 1) {
		r = dfimg_fail(err, DFIMG_ERR_CRYPTO, "verify init: %s", ssl_reason(why, sizeof(why)));
		goto free_ctx;
	}
	int v = EVP_DigestVerify(ctx, bytes + signed_len, in.sig_size, bytes, signed_len);
	if (v != 1) {
		ERR_clear_error(); /* a bad signature also queues an error */
		dfimg_format_key_id(kid, a, sizeof(a));
		r = dfimg_fail(err, DFIMG_ERR_SIGNATURE, "Ed25519 signature over the %zu header and "
			 "payload bytes is not from key id %s", signed_len, a);
		goto free_ctx;
	}
	if (info)
		*info = in;
	ok(err);
	r = 0;
free_ctx:
	EVP_MD_CTX_free(ctx);
	return r;
}

int dfimg_load_key(const char *path, int want_private, EVP_PKEY **out, struct dfimg_err *err)
{
	char why[160];
	EVP_PKEY *k = NULL;
	if (!path || !out)
		return dfimg_fail(err, DFIMG_ERR_ARG, "NULL path or out");
	*out = NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return dfimg_fail(err, DFIMG_ERR_KEYFILE, "%s: %s", path, strerror(errno));
	if (want_private) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	} else {
		/* A public key file, or the public half of a private key file. */
		k = PEM_read_PUBKEY(f, NULL, NULL, NULL);
		if (!k) {
			rewind(f);
			k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		}
	}
	fclose(f);
	if (!k)
		return dfimg_fail(err, DFIMG_ERR_KEYFILE, "%s: no PEM %s key: %s", path,
			    want_private ? "private" : "public or private",
			    ssl_reason(why, sizeof(why)));
	ERR_clear_error();
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		int r = dfimg_fail(err, DFIMG_ERR_KEYFILE, "%s: a %s key, Ed25519 is required", path,
			     OBJ_nid2sn(EVP_PKEY_get_id(k)));
		EVP_PKEY_free(k);
		return r;
	}
	*out = k;
	ok(err);
	return 0;
}
