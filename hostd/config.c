/* hostd/config.c: implementation of hostd/config.h (one option table ->
 * getopt_long, --help, the configuration template and file parser, and the
 * --check-config checks). hostd/main.c holds the table and the setters;
 * nothing here knows what an option means beyond its hcfg_check kind. */
#include "hostd/config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "drivers/base/util.h"

#define HCFG_CODE_BASE 0x400
#define HELP_COL 26   /* column of the help text in --help */
#define WRAP_COL 78   /* right margin of --help and the template */

int hcfg_code(const struct hcfg_opt *opts, size_t i)
{
	return opts[i].short_name ? opts[i].short_name : HCFG_CODE_BASE + (int)i;
}

static int find_code(const struct hcfg_opt *opts, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (hcfg_code(opts, i) == code)
			return (int)i;
	return -1;
}

static int find_name(const struct hcfg_opt *opts, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(opts[i].name, name))
			return (int)i;
	return -1;
}

/* ---- command line ------------------------------------------------------- */

int hcfg_collect_args(struct hcfg *h, const struct hcfg_opt *opts, size_t n_opts, int argc,
		      char **argv)
{
	struct option lo[HCFG_MAX_OPTS + 1];
	char shorts[2 * HCFG_MAX_OPTS + 2] = "";
	size_t ns = 0;
	int c;

	memset(h, 0, sizeof(*h));
	h->opts = opts;
	h->n_opts = n_opts;
	if (n_opts > HCFG_MAX_OPTS)
		return 2;
	for (size_t i = 0; i < n_opts; i++) {
		lo[i] = (struct option){ opts[i].name, opts[i].metavar ? required_argument : no_argument,
					 NULL, hcfg_code(opts, i) };
		if (opts[i].short_name) {
			shorts[ns++] = opts[i].short_name;
			if (opts[i].metavar)
				shorts[ns++] = ':';
		}
	}
	lo[n_opts] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		int i = find_code(opts, n_opts, c);
		if (i < 0) {
			fprintf(stderr, "Try 'hostd --help'.\n");
			return 2;
		}
		if (h->n_cli == HCFG_MAX_VALUES) {
			fprintf(stderr, "hostd: too many options\n");
			return 2;
		}
		if (opts[i].scope == HCFG_CLI_ONLY)
			h->cli_only_seen[i]++;
		h->cli[h->n_cli++] = (struct hcfg_value){ i, opts[i].metavar ? optarg : NULL, NULL, 0 };
	}
	if (optind < argc) {
		fprintf(stderr, "hostd: unexpected argument '%s'\nTry 'hostd --help'.\n", argv[optind]);
		return 2;
	}
	return 0;
}

const char *hcfg_cli_value(const struct hcfg *h, const char *name)
{
	const char *v = NULL;
	for (size_t k = 0; k < h->n_cli; k++)
		if (!strcmp(h->opts[h->cli[k].opt].name, name))
			v = h->cli[k].val ? h->cli[k].val : "";
	return v;
}

static int on_cli(const struct hcfg *h, int opt)
{
	for (size_t k = 0; k < h->n_cli; k++)
		if (h->cli[k].opt == opt)
			return 1;
	return 0;
}

/* ---- configuration file ------------------------------------------------- */

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* yes/no for flags: 1, 0, or -1 when neither. */
static int parse_bool(const char *v)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

static int record(struct hcfg *h, int opt, const char *val, const char *file, int line)
{
	if (h->n_eff == HCFG_MAX_VALUES)
		return -ENOSPC;
	h->eff[h->n_eff++] = (struct hcfg_value){ opt, val, file, line };
	return 0;
}

static const struct hcfg_value *first_eff(const struct hcfg *h, int opt)
{
	for (size_t k = 0; k < h->n_eff; k++)
		if (h->eff[k].opt == opt)
			return &h->eff[k];
	return NULL;
}

const char *hcfg_value(const struct hcfg *h, const char *name)
{
	const char *v = NULL;
	for (size_t k = 0; k < h->n_eff; k++)
		if (!strcmp(h->opts[h->eff[k].opt].name, name))
			v = h->eff[k].val ? h->eff[k].val : "yes";
	return v;
}

int hcfg_parse_text(struct hcfg *h, char *text, const char *file, FILE *err)
{
	char msg[512];
	int errors = 0, lineno = 0;
	char *next = text;

	while (next) {
		char *line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		if (strlen(line) >= HCFG_LINE_MAX) {
			fprintf(err, "%s:%d: line longer than %d characters\n", file, lineno,
				HCFG_LINE_MAX - 1);
			errors++;
			continue;
		}
		/* a comment starts at '#' at the start or after whitespace */
		for (char *p = line; *p; p++)
			if (*p == '#' && (p == line || p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				break;
			}
		char *s = trim(line);
		if (!*s)
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			fprintf(err, "%s:%d: expected 'key = value', got '%s'\n", file, lineno, s);
			errors++;
			continue;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		if (!*key) {
			fprintf(err, "%s:%d: missing key before '='\n", file, lineno);
			errors++;
			continue;
		}
		int i = find_name(h->opts, h->n_opts, key);
		if (i < 0) {
			fprintf(err, "%s:%d: unknown key '%s'\n", file, lineno, key);
			errors++;
			continue;
		}
		const struct hcfg_opt *o = &h->opts[i];
		if (o->scope == HCFG_CLI_ONLY) {
			fprintf(err, "%s:%d: '%s' is only valid on the command line\n", file, lineno,
				key);
			errors++;
			continue;
		}
		int flag_on = 1;
		if (!o->metavar) {
			flag_on = parse_bool(val);
			if (flag_on < 0) {
				fprintf(err, "%s:%d: %s: '%s' is not yes or no\n", file, lineno, key, val);
				errors++;
				continue;
			}
		} else if (!*val) {
			fprintf(err, "%s:%d: %s: empty value\n", file, lineno, key);
			errors++;
			continue;
		}
		const struct hcfg_value *prev = first_eff(h, i);
		if (prev && !o->repeatable && prev->file) {
			fprintf(err, "%s:%d: '%s' is already set on line %d\n", file, lineno, key,
				prev->line);
			errors++;
			continue;
		}
		if (on_cli(h, i))
			continue; /* the command line wins */
		if (record(h, i, val, file, lineno)) {
			fprintf(err, "%s:%d: more than %d values\n", file, lineno, HCFG_MAX_VALUES);
			errors++;
			continue;
		}
		if (!o->set || !flag_on)
			continue;
		msg[0] = '\0';
		if (o->set(o->metavar ? val : NULL, msg, sizeof(msg))) {
			fprintf(err, "%s:%d: %s: %s\n", file, lineno, key, msg[0] ? msg : "bad value");
			errors++;
		}
	}
	return errors;
}

static int read_file(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;
	if (!f)
		return -errno;
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= (1u << 20)) {
				r = -EFBIG;
				goto close_file;
			}
			char *nb = realloc(buf, cap + 8192);
			if (!nb) {
				r = -ENOMEM;
				goto close_file;
			}
			buf = nb;
			cap += 8192;
		}
		size_t got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		r = -EIO;
	else if (memchr(buf, '\0', len))
		r = -EILSEQ; /* binary file: refuse rather than cut lines at NUL */
close_file:
	fclose(f);
	if (r) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

int hcfg_apply(struct hcfg *h, const char *path, int missing_ok, FILE *err)
{
	char msg[512];
	int errors = 0;

	if (path) {
		int r = read_file(path, &h->file_text);
		if (r == -ENOENT && missing_ok) {
			path = NULL;
		} else if (r) {
			fprintf(err, "hostd: cannot read the configuration file %s: %s\n", path,
				r == -EILSEQ ? "it holds NUL bytes" : strerror(-r));
			return r;
		} else {
			h->config_path = path;
			errors += hcfg_parse_text(h, h->file_text, path, err);
		}
	}
	for (size_t k = 0; k < h->n_cli; k++) {
		const struct hcfg_value *v = &h->cli[k];
		const struct hcfg_opt *o = &h->opts[v->opt];
		if (o->scope == HCFG_CLI_ONLY)
			continue;
		if (record(h, v->opt, v->val, NULL, 0)) {
			fprintf(err, "hostd: too many options\n");
			return -EINVAL;
		}
		if (!o->set)
			continue;
		msg[0] = '\0';
		if (o->set(v->val, msg, sizeof(msg))) {
			fprintf(err, "hostd: --%s: %s\n", o->name, msg[0] ? msg : "bad value");
			errors++;
		}
	}
	return errors ? -EINVAL : 0;
}

void hcfg_free(struct hcfg *h)
{
	if (!h)
		return;
	free(h->file_text);
	h->file_text = NULL;
}

/* ---- --help and the template -------------------------------------------- */

/* Print text word-wrapped: the first line continues at column col (the
 * caller printed that much), following lines start with prefix. */
static void wrap(FILE *f, const char *text, size_t col, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *p = text;
	int first = 1;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t wl = strcspn(p, " ");
		if (!wl)
			break;
		if (!first && col + 1 + wl > WRAP_COL) {
			fprintf(f, "\n%s", prefix);
			col = pl;
			first = 1;
		}
		fprintf(f, "%s%.*s", first ? "" : " ", (int)wl, p);
		col += wl + (first ? 0 : 1);
		first = 0;
		p += wl;
	}
	fputc('\n', f);
}

static void opt_text(const struct hcfg_opt *o, char *buf, size_t size)
{
	if (o->def)
		snprintf(buf, size, "%s (default %s)", o->help, o->def);
	else
		snprintf(buf, size, "%s", o->help);
}

void hcfg_usage(const struct hcfg_opt *opts, size_t n_opts, FILE *f)
{
	char head[128], text[1024], pad[HELP_COL + 1];
	const char *section = NULL;
	memset(pad, ' ', HELP_COL);
	pad[HELP_COL] = '\0';
	for (size_t i = 0; i < n_opts; i++) {
		const struct hcfg_opt *o = &opts[i];
		if (o->section && (!section || strcmp(section, o->section))) {
			section = o->section;
			fprintf(f, "\n%s:\n", section);
		}
		int n;
		if (o->short_name)
			n = snprintf(head, sizeof(head), "  -%c, --%s%s%s", o->short_name, o->name,
				     o->metavar ? " " : "", o->metavar ? o->metavar : "");
		else
			n = snprintf(head, sizeof(head), "      --%s%s%s", o->name,
				     o->metavar ? " " : "", o->metavar ? o->metavar : "");
		opt_text(o, text, sizeof(text));
		if (n + 1 >= HELP_COL) {
			fprintf(f, "%s\n%s", head, pad);
		} else {
			fprintf(f, "%-*s", HELP_COL, head);
		}
		wrap(f, text, HELP_COL, pad);
	}
}

void hcfg_template(const struct hcfg_opt *opts, size_t n_opts, FILE *f)
{
	char text[1024];
	const char *section = NULL;
	fprintf(f,
		"# " HCFG_DEFAULT_PATH ": configuration of the dfnic host daemon (hostd).\n"
		"#\n"
		"# Generated by `hostd --print-config-template`; every key is a long option\n"
		"# of hostd (see `hostd --help`) and the command line wins over this file,\n"
		"# key by key. Format: one `key = value` per line, `#` starts a comment,\n"
		"# values are taken verbatim (no quotes), flags take yes or no, a key marked\n"
		"# repeatable may appear on several lines. Every line below is commented\n"
		"# out and shows the default (or an example when there is none): uncomment\n"
		"# and edit. Check the result with `hostd --check-config --config FILE`.\n");
	for (size_t i = 0; i < n_opts; i++) {
		const struct hcfg_opt *o = &opts[i];
		if (o->scope == HCFG_CLI_ONLY)
			continue;
		if (o->section && (!section || strcmp(section, o->section))) {
			section = o->section;
			fprintf(f, "\n# ==== %s ====\n", section);
		}
		snprintf(text, sizeof(text), "%s%s", o->help,
			 o->repeatable ? " Repeatable." : "");
		fprintf(f, "\n# %s: ", o->name);
		wrap(f, text, 4 + strlen(o->name), "# ");
		if (!o->metavar)
			fprintf(f, "#%s = no\n", o->name);
		else if (o->def)
			fprintf(f, "#%s = %s\n", o->name, o->def);
		else
			fprintf(f, "#%s = %s\n", o->name, o->metavar);
	}
}

/* ---- --check-config ----------------------------------------------------- */

int hcfg_check_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	int r = 0;
	if (fstat(fd, &st)) {
		r = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(-r));
	} else if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errlen, "%s is not a regular file", path);
	}
	close(fd);
	return r;
}

int hcfg_check_dir(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct stat st;
	if (!*path) {
		snprintf(err, errlen, "empty path");
		return -EINVAL;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s is not a directory", path);
			return -ENOTDIR;
		}
		/* prove it: create and remove a file (access() lies for root
		 * on a read-only mount only sometimes) */
		if (snprintf(tmp, sizeof(tmp), "%s/.hostd-check.XXXXXX", path) >= (int)sizeof(tmp)) {
			snprintf(err, errlen, "%s: path too long", path);
			return -ENAMETOOLONG;
		}
		int fd = mkstemp(tmp);
		if (fd < 0) {
			int e = errno;
			snprintf(err, errlen, "%s is not writable: %s", path, strerror(e));
			return -e;
		}
		close(fd);
		unlink(tmp);
		return 0;
	}
	if (errno != ENOENT) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	/* missing: create it the way the store will (mkdir -p), then remove
	 * what was created, deepest first */
	char made[16][PATH_MAX];
	int n_made = 0, r = 0;
	size_t len = strlen(path);
	if (len >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(tmp, path, len + 1);
	for (size_t i = 1; i <= len && !r; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) == 0) {
			if (n_made == (int)ARRAY_SIZE(made)) {
				r = -ENAMETOOLONG;
				snprintf(err, errlen, "%s: too deep", path);
			} else {
				memcpy(made[n_made++], tmp, i + 1);
			}
		} else if (errno != EEXIST) {
			r = -errno;
			snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		}
		tmp[i] = c;
	}
	while (n_made > 0)
		rmdir(made[--n_made]);
	return r;
}

int hcfg_check_hostport(const char *spec, const char *const *schemes, char *err,
			size_t errlen)
{
	char host[256], want[64] = "";
	const char *rest = NULL;
	for (size_t i = 0; schemes[i]; i++) {
		size_t l = strlen(schemes[i]);
		if (!strncmp(spec, schemes[i], l) && spec[l] == ':') {
			rest = spec + l + 1;
			break;
		}
	}
	if (!rest) {
		for (size_t i = 0; schemes[i]; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s:ADDR:PORT",
				 i ? " or " : "", schemes[i]);
		snprintf(err, errlen, "'%s' is not %s", spec, want);
		return -EINVAL;
	}
	const char *colon = strrchr(rest, ':');
	if (!colon || !colon[1]) {
		snprintf(err, errlen, "'%s': missing :PORT", spec);
		return -EINVAL;
	}
	size_t hl = (size_t)(colon - rest);
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "'%s': address too long", spec);
		return -EINVAL;
	}
	memcpy(host, rest, hl);
	host[hl] = '\0';
	char *h = host;
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+') {
		snprintf(err, errlen, "'%s': port '%s' is not a number in 0..65535", spec, colon + 1);
		return -EINVAL;
	}
	unsigned char buf[sizeof(struct in6_addr)];
	if (*h && inet_pton(AF_INET, h, buf) != 1 && inet_pton(AF_INET6, h, buf) != 1) {
		snprintf(err, errlen, "'%s': '%s' is not a numeric IPv4 or [IPv6] address", spec, h);
		return -EINVAL;
	}
	return 0;
}

/* The directory part of path must exist. */
static int check_parent(const char *what, const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s %s: directory %s does not exist", what, path, dir);
		return -ENOENT;
	}
	return 0;
}

int hcfg_check_value(enum hcfg_check kind, const char *val, char *err, size_t errlen)
{
	static const char *const listen_schemes[] = { "tcp", "ssl", NULL };
	static const char *const tcp_scheme[] = { "tcp", NULL };
	struct sockaddr_un sun;

	switch (kind) {
	case HCFG_CHECK_NONE:
		return 0;
	case HCFG_CHECK_FILE:
		return hcfg_check_file(val, err, errlen);
	case HCFG_CHECK_DIR:
		return hcfg_check_dir(val, err, errlen);
	case HCFG_CHECK_LISTEN:
		return hcfg_check_hostport(val, listen_schemes, err, errlen);
	case HCFG_CHECK_TCP:
		return hcfg_check_hostport(val, tcp_scheme, err, errlen);
	case HCFG_CHECK_UNIX:
		if (strncmp(val, "unix:", 5) || !val[5]) {
			snprintf(err, errlen, "'%s' is not unix:PATH", val);
			return -EINVAL;
		}
		if (strlen(val + 5) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "'%s': path longer than %zu bytes", val,
				 sizeof(sun.sun_path) - 1);
			return -ENAMETOOLONG;
		}
		return check_parent("socket", val + 5, err, errlen);
	case HCFG_CHECK_MBOX:
		if (!strncmp(val, "pci:", 4)) {
			if (access(val + 4, R_OK | W_OK)) {
				int e = errno;
				snprintf(err, errlen, "mailbox BAR %s: %s", val + 4, strerror(e));
				return -e;
			}
			return 0;
		}
		/* shm:PATH or a bare path: created by the firmware or its sim */
		return check_parent("mailbox", strncmp(val, "shm:", 4) ? val : val + 4, err, errlen);
	}
	snprintf(err, errlen, "unknown check");
	return -EINVAL;
}

static void where(const struct hcfg_value *v, char *buf, size_t size)
{
	if (v->file)
		snprintf(buf, size, "%s:%d", v->file, v->line);
	else
		snprintf(buf, size, "command line");
}

int hcfg_check(const struct hcfg *h, FILE *out, FILE *err)
{
	char msg[512], w[PATH_MAX + 16];
	int problems = 0;
	for (size_t k = 0; k < h->n_eff; k++) {
		const struct hcfg_value *v = &h->eff[k];
		const struct hcfg_opt *o = &h->opts[v->opt];
		if (o->check == HCFG_CHECK_NONE || !v->val)
			continue;
		where(v, w, sizeof(w));
		msg[0] = '\0';
		if (hcfg_check_value(o->check, v->val, msg, sizeof(msg))) {
			fprintf(err, "%s: %s: %s\n", w, o->name, msg);
			problems++;
		} else {
			fprintf(out, "  ok  %-18s %s\n", o->name, v->val);
		}
	}
	for (size_t i = 0; i < h->n_opts; i++) {
		const struct hcfg_opt *o = &h->opts[i];
		if (!o->check_default || !o->def || first_eff(h, (int)i))
			continue;
		msg[0] = '\0';
		if (hcfg_check_value(o->check, o->def, msg, sizeof(msg))) {
			fprintf(err, "default: %s: %s\n", o->name, msg);
			problems++;
		} else {
			fprintf(out, "  ok  %-18s %s (default)\n", o->name, o->def);
		}
	}
	return problems;
}

void hcfg_dump(const struct hcfg *h, FILE *f)
{
	char w[PATH_MAX + 16];
	for (size_t i = 0; i < h->n_opts; i++) {
		const struct hcfg_opt *o = &h->opts[i];
		int any = 0;
		if (o->scope == HCFG_CLI_ONLY)
			continue;
		for (size_t k = 0; k < h->n_eff; k++) {
			const struct hcfg_value *v = &h->eff[k];
			if (v->opt != (int)i)
				continue;
			any = 1;
			where(v, w, sizeof(w));
			fprintf(f, "  %s = %s  # %s\n", o->name, v->val ? v->val : "yes", w);
		}
		if (!any && o->def)
			fprintf(f, "  %s = %s  # default\n", o->name, o->def);
	}
}
