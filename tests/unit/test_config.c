/* tests/unit/test_config.c: hostd/config.c with a small option table of its
 * own (the real one is in hostd/main.c; tests/integration/config_check.sh
 * drives that through the binary). Covers: command line collection, the
 * file parser and its errors (FILE:LINE, unknown key, duplicates, flags,
 * command-line-only keys), command line precedence key by key, --help and
 * template generation from the same table, and the --check-config checks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/base/util.h"
#include "hostd/config.h"
#include "tests/unit/unit.h"

/* What the setters stored. */
static struct {
	const char *name;     /* "name" option */
	int count;            /* "count" option, 1..9 */
	const char *list[8];  /* "item" (repeatable) */
	int n_list;           /* used */
	int flag;             /* "flag" */
	int sets;             /* setter calls */
} got;

static int set_name(const char *a, char *err, size_t n)
{
	got.sets++;
	got.name = a;
	return 0;
}
static int set_count(const char *a, char *err, size_t n)
{
	unsigned long v;
	got.sets++;
	if (dfn_parse_uint(a, 1, 9, &v)) {
		snprintf(err, n, "'%s' is not a number in 1..9", a);
		return -EINVAL;
	}
	got.count = (int)v;
	return 0;
}
static int set_item(const char *a, char *err, size_t n)
{
	got.sets++;
	if (got.n_list == 8)
		return -EINVAL;
	got.list[got.n_list++] = a;
	return 0;
}
static int set_flag(const char *a, char *err, size_t n)
{
	got.sets++;
	got.flag = a == NULL ? 1 : -1; /* a flag's setter gets NULL */
	return 0;
}

static const struct hcfg_opt opts[] = {
	{ .name = "name", .short_name = 'n', .metavar = "NAME", .def = "anon", .section = "Main",
	  .help = "The name.", .set = set_name },
	{ .name = "count", .metavar = "N", .def = "3", .section = "Main",
	  .help = "How many, 1..9.", .set = set_count },
	{ .name = "item", .metavar = "ITEM", .section = "Lists", .repeatable = 1,
	  .help = "An item; a rather long help text that has to be wrapped over more than one "
		  "line of the help output, to exercise the wrapping.",
	  .check = HCFG_CHECK_FILE, .set = set_item },
	{ .name = "flag", .section = "Lists", .help = "A flag.", .set = set_flag },
	{ .name = "config", .metavar = "FILE", .section = "CLI", .scope = HCFG_CLI_ONLY,
	  .help = "Config file." },
};

static int collect(struct hcfg *h, const char *const *args)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"hostd";
	while (*args)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	memset(&got, 0, sizeof(got));
	FILE *devnull = fopen("/dev/null", "w");
	FILE *saved = stderr;
	stderr = devnull; /* getopt's own messages */
	int r = hcfg_collect_args(h, opts, ARRAY_SIZE(opts), argc, argv);
	stderr = saved;
	fclose(devnull);
	return r;
}

/* Parse text as a file after the given command line; the errors printed
 * go to errbuf. Returns the error count. */
static int parse(struct hcfg *h, const char *const *args, const char *text, char *errbuf,
		 size_t size)
{
	static char copy[2048];
	CU_ASSERT_EQUAL_FATAL(collect(h, args), 0);
	snprintf(copy, sizeof(copy), "%s", text);
	FILE *err = fmemopen(errbuf, size, "w");
	int n = hcfg_parse_text(h, copy, "t.conf", err);
	fclose(err);
	return n;
}

static void test_config_file_basic(void)
{
	static const char *const none[] = { NULL };
	struct hcfg h;
	char err[512] = "";
	int n = parse(&h, none,
		      "# comment\n"
		      "\n"
		      "  name =  alice  # trailing comment\n"
		      "count=7\n"
		      "item = a#b\n"
		      "item = c\n"
		      "flag = yes\r\n",
		      err, sizeof(err));
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(got.name, "alice");
	CU_ASSERT_EQUAL(got.count, 7);
	CU_ASSERT_EQUAL_FATAL(got.n_list, 2);
	CU_ASSERT_STRING_EQUAL(got.list[0], "a#b"); /* '#' inside a word is data */
	CU_ASSERT_STRING_EQUAL(got.list[1], "c");
	CU_ASSERT_EQUAL(got.flag, 1);
	CU_ASSERT_STRING_EQUAL(hcfg_value(&h, "count"), "7");
	CU_ASSERT_STRING_EQUAL(hcfg_value(&h, "item"), "c");
	CU_ASSERT_PTR_NULL(hcfg_value(&h, "config"));
}

static void test_config_file_errors(void)
{
	static const char *const none[] = { NULL };
	struct hcfg h;
	char err[1024] = "";
	int n = parse(&h, none,
		      "name = bob\n"
		      "colour = red\n"
		      "count = 12\n"
		      "just words\n"
		      "name = again\n"
		      "flag = maybe\n"
		      "config = x.conf\n"
		      "count =\n"
		      " = 3\n",
		      err, sizeof(err));
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:2: unknown key 'colour'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:3: count: '12' is not a number in 1..9\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:4: expected 'key = value', got 'just words'\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:5: 'name' is already set on line 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:6: flag: 'maybe' is not yes or no\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:7: 'config' is only valid on the command line\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:8: count: empty value\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.conf:9: missing key before '='\n"));
	CU_ASSERT_STRING_EQUAL(got.name, "bob"); /* the duplicate did not apply */
	CU_ASSERT_EQUAL(got.flag, 0);
}

static void test_config_flag_no(void)
{
	static const char *const none[] = { NULL };
	struct hcfg h;
	char err[256] = "";
	CU_ASSERT_EQUAL(parse(&h, none, "flag = off\n", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(got.flag, 0);
	CU_ASSERT_EQUAL(got.sets, 0); /* "no" calls no setter */
}

static void test_config_cli_wins(void)
{
	static const char *const args[] = { "--item", "x", "-n", "carol", "--config", "f.conf",
					    NULL };
	char path[512], err[512] = "";
	struct hcfg h;
	snprintf(path, sizeof(path), "%s/hcfg-cli-wins-%d.conf", unit_tmpdir(), (int)getpid());
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("name = dave\nitem = y\nitem = z\ncount = 4\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(collect(&h, args), 0);
	CU_ASSERT_STRING_EQUAL(hcfg_cli_value(&h, "config"), "f.conf");
	CU_ASSERT_EQUAL(got.sets, 0); /* collecting stores nothing */
	FILE *e = fmemopen(err, sizeof(err), "w");
	CU_ASSERT_EQUAL(hcfg_apply(&h, path, 0, e), 0);
	fclose(e);
	CU_ASSERT_STRING_EQUAL(got.name, "carol");
	CU_ASSERT_EQUAL(got.count, 4); /* from the file: not on the command line */
	CU_ASSERT_EQUAL_FATAL(got.n_list, 1); /* one --item replaces both file items */
	CU_ASSERT_STRING_EQUAL(got.list[0], "x");
	CU_ASSERT_STRING_EQUAL(h.config_path, path);
	hcfg_free(&h);
	unlink(path);
}

static void test_config_missing_file(void)
{
	static const char *const none[] = { NULL };
	char err[512] = "";
	struct hcfg h;
	CU_ASSERT_EQUAL_FATAL(collect(&h, none), 0);
	FILE *e = fmemopen(err, sizeof(err), "w");
	CU_ASSERT_EQUAL(hcfg_apply(&h, "/nonexistent/hostd.conf", 1, e), 0); /* default path */
	CU_ASSERT_EQUAL(hcfg_apply(&h, "/nonexistent/hostd.conf", 0, e), -ENOENT);
	fclose(e);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot read the configuration file "
					   "/nonexistent/hostd.conf: No such file"));
	CU_ASSERT_PTR_NULL(h.config_path);
	hcfg_free(&h);
}

static void test_config_cli_errors(void)
{
	static const char *const bad_value[] = { "--count", "0", NULL };
	static const char *const unknown[] = { "--nope", NULL };
	static const char *const extra[] = { "-n", "x", "leftover", NULL };
	char err[512] = "";
	struct hcfg h;
	CU_ASSERT_EQUAL(collect(&h, unknown), 2);
	CU_ASSERT_EQUAL(collect(&h, extra), 2);
	CU_ASSERT_EQUAL_FATAL(collect(&h, bad_value), 0);
	FILE *e = fmemopen(err, sizeof(err), "w");
	CU_ASSERT_EQUAL(hcfg_apply(&h, NULL, 1, e), -EINVAL);
	fclose(e);
	CU_ASSERT_STRING_EQUAL(err, "hostd: --count: '0' is not a number in 1..9\n");
}

/* --help and the template are generated from the table: every option is
 * in --help, every file key in the template, command-line-only ones not. */
static void test_config_usage_template(void)
{
	char help[4096] = "", tmpl[4096] = "", needle[64];
	FILE *f = fmemopen(help, sizeof(help), "w");
	hcfg_usage(opts, ARRAY_SIZE(opts), f);
	fclose(f);
	f = fmemopen(tmpl, sizeof(tmpl), "w");
	hcfg_template(opts, ARRAY_SIZE(opts), f);
	fclose(f);
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		snprintf(needle, sizeof(needle), "--%s", opts[i].name);
		CU_ASSERT_PTR_NOT_NULL(strstr(help, needle));
		snprintf(needle, sizeof(needle), "\n#%s = ", opts[i].name);
		if (opts[i].scope == HCFG_CLI_ONLY) {
			CU_ASSERT_PTR_NULL(strstr(tmpl, needle));
		} else {
			CU_ASSERT_PTR_NOT_NULL(strstr(tmpl, needle));
		}
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(help, "  -n, --name NAME         The name. (default anon)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tmpl, "\n#count = 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tmpl, "\n#flag = no\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tmpl, "\n#item = ITEM\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(tmpl, "Repeatable."));
	/* wrapped: no line longer than 78 columns */
	for (char *l = help; *l;) {
		size_t len = strcspn(l, "\n");
		CU_ASSERT(len <= 78);
		l += len + (l[len] ? 1 : 0);
	}
	/* the template, uncommented, parses back */
	static const char *const none[] = { NULL };
	struct hcfg h;
	char err[512] = "", text[4096];
	size_t o = 0;
	for (char *l = tmpl; *l;) {
		size_t len = strcspn(l, "\n");
		if (l[0] == '#' && l[1] != ' ' && l[1] != '\n' && len > 1 && memchr(l, '=', len))
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%.*s\n", (int)len - 1, l + 1);
		l += len + (l[len] ? 1 : 0);
	}
	CU_ASSERT_EQUAL(parse(&h, none, text, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(got.name, "anon");
	CU_ASSERT_EQUAL(got.count, 3);
}

static void test_config_checks(void)
{
	static const char *const tcp_ssl[] = { "tcp", "ssl", NULL };
	char err[256], dir[512], file[600];
	CU_ASSERT_EQUAL(hcfg_check_hostport("tcp:127.0.0.1:6653", tcp_ssl, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(hcfg_check_hostport("ssl:[::1]:0", tcp_ssl, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(hcfg_check_hostport("tcp::6653", tcp_ssl, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(hcfg_check_hostport("udp:1.2.3.4:1", tcp_ssl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "'udp:1.2.3.4:1' is not tcp:ADDR:PORT or ssl:ADDR:PORT");
	CU_ASSERT_EQUAL(hcfg_check_hostport("tcp:1.2.3:5", tcp_ssl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(hcfg_check_hostport("tcp:1.2.3.4:65536", tcp_ssl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(hcfg_check_hostport("tcp:1.2.3.4", tcp_ssl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(hcfg_check_hostport("tcp:host.example:80", tcp_ssl, err, sizeof(err)),
			-EINVAL);

	snprintf(dir, sizeof(dir), "%s/hcfg-check-%d", unit_tmpdir(), (int)getpid());
	CU_ASSERT_EQUAL(hcfg_check_dir(dir, err, sizeof(err)), 0); /* creatable */
	struct stat st;
	CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0); /* and left as it was */
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
	CU_ASSERT_EQUAL(hcfg_check_dir(dir, err, sizeof(err)), 0); /* writable */
	snprintf(file, sizeof(file), "%s/f", dir);
	CU_ASSERT_EQUAL(hcfg_check_file(file, err, sizeof(err)), -ENOENT);
	FILE *f = fopen(file, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	CU_ASSERT_EQUAL(hcfg_check_file(file, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(hcfg_check_file(dir, err, sizeof(err)), -EINVAL); /* not regular */
	CU_ASSERT_EQUAL(hcfg_check_dir(file, err, sizeof(err)), -ENOTDIR);
	snprintf(file, sizeof(file), "%s/f/sub", dir);
	CU_ASSERT_NOT_EQUAL(hcfg_check_dir(file, err, sizeof(err)), 0); /* under a file */
	CU_ASSERT_EQUAL(hcfg_check_dir("/proc/dfnic-no/such", err, sizeof(err)), -ENOENT);
	snprintf(file, sizeof(file), "unix:%s/api.sock", dir);
	CU_ASSERT_EQUAL(hcfg_check_value(HCFG_CHECK_UNIX, file, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(hcfg_check_value(HCFG_CHECK_UNIX, "unix:/nonexistent/a.sock", err,
					 sizeof(err)), -ENOENT);
	CU_ASSERT_EQUAL(hcfg_check_value(HCFG_CHECK_UNIX, "/tmp/a.sock", err, sizeof(err)),
			-EINVAL);
	snprintf(file, sizeof(file), "%s/f", dir);
	unlink(file);
	rmdir(dir);
}

UNIT_SUITE(config, NULL, NULL,
	   UNIT_TEST(test_config_file_basic),
	   UNIT_TEST(test_config_file_errors),
	   UNIT_TEST(test_config_flag_no),
	   UNIT_TEST(test_config_cli_wins),
	   UNIT_TEST(test_config_missing_file),
	   UNIT_TEST(test_config_cli_errors),
	   UNIT_TEST(test_config_usage_template),
	   UNIT_TEST(test_config_checks));
