/* hostd/config.h: hostd's options, from the command line and from the
 * configuration file (/etc/dfnic/hostd.conf), driven by ONE table.
 *
 * hostd/main.c owns the table (struct hcfg_opt[]: name, argument, default,
 * help, how to validate, and the setter that stores the value where the
 * module that uses it finds it). This module turns that table into the
 * getopt_long table, the --help text, the commented configuration
 * template (hostd --print-config-template, shipped as hostd/dist/hostd.conf)
 * and the parser of the configuration file, so the four cannot drift. It
 * also holds the checks `hostd --check-config` runs (files readable,
 * addresses that parse, a state directory that can be written).
 *
 * Precedence: the command line wins, key by key. An option given on the
 * command line replaces every value of that key from the file (so one
 * --listen replaces all the file's `listen =` lines).
 *
 * File format: one `key = value` per line; keys are the long option names;
 * `#` starts a comment (at the start of a line, or after whitespace);
 * blank lines are ignored; values are taken verbatim after trimming
 * (no quoting); flags take yes/no, true/false, on/off or 1/0. Errors are
 * "FILE:LINE: ..." and name the key. */
#ifndef DFNIC_HOSTD_CONFIG_H
#define DFNIC_HOSTD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#define HCFG_DEFAULT_PATH "/etc/dfnic/hostd.conf"
#define HCFG_MAX_OPTS 64   /* options in a table */
#define HCFG_MAX_VALUES 64 /* values recorded across all options */
#define HCFG_LINE_MAX 4096 /* longest line of a configuration file */

/* How --check-config validates a value (besides its setter). */
enum hcfg_check {
	HCFG_CHECK_NONE,
	HCFG_CHECK_FILE,      /* a readable regular file */
	HCFG_CHECK_DIR,       /* a directory that exists and is writable, or can be created */
	HCFG_CHECK_LISTEN,    /* tcp:ADDR:PORT or ssl:ADDR:PORT, ADDR numeric */
	HCFG_CHECK_TCP,       /* tcp:ADDR:PORT, ADDR numeric */
	HCFG_CHECK_UNIX,      /* unix:PATH whose directory exists */
	HCFG_CHECK_MBOX,      /* shm:PATH (directory exists) or pci:RESOURCE (exists) */
};

/* Where an option may appear. */
enum hcfg_scope {
	HCFG_BOTH,     /* command line and configuration file */
	HCFG_CLI_ONLY, /* command line only (--config, --help, ...) */
};

/* The setter: store arg (NULL for a flag) or explain in err why not.
 * 0 or -EINVAL. arg stays valid for the life of the process (argv or a
 * copy owned by the hcfg). */
typedef int (*hcfg_set_fn)(const char *arg, char *err, size_t errlen);

/* One option. */
struct hcfg_opt {
	const char *name;     /* long option name = configuration key */
	char short_name;      /* 'm' for -m, or 0 */
	const char *metavar;  /* argument shown in --help ("URI"), NULL = a flag */
	const char *def;      /* default shown in --help and the template, NULL = none */
	const char *section;  /* heading in --help and the template; a new one starts a group */
	const char *help;     /* one paragraph, wrapped by the printers */
	enum hcfg_scope scope; /* command line only, or also the file */
	enum hcfg_check check; /* what --check-config verifies */
	int repeatable;       /* may be given several times (values accumulate) */
	int check_default;    /* --check-config also checks def when unset */
	hcfg_set_fn set;      /* stores the value; NULL = handled by the caller */
};

/* Where a value came from. */
struct hcfg_value {
	int opt;          /* index in the table */
	const char *val;  /* the value, NULL for a flag */
	const char *file; /* configuration file, NULL = command line */
	int line;         /* line in file */
};

/* A parse in progress or done. */
struct hcfg {
	const struct hcfg_opt *opts; /* the table */
	size_t n_opts;               /* its size */
	struct hcfg_value cli[HCFG_MAX_VALUES];  /* command line values, in order */
	size_t n_cli;                /* used */
	struct hcfg_value eff[HCFG_MAX_VALUES];  /* effective values after hcfg_apply */
	size_t n_eff;                /* used */
	char *file_text;             /* the configuration file, split in place */
	const char *config_path;     /* file read, NULL = none */
	int config_explicit;         /* --config given */
	int cli_only_seen[HCFG_MAX_OPTS]; /* command-line-only options given (counts) */
};

/* Getopt code of option i (its short name, or 0x400 + i). */
int hcfg_code(const struct hcfg_opt *opts, size_t i);

/* Collect the command line (nothing is stored yet): every option is
 * recorded; the values of HCFG_CLI_ONLY options are in h->cli too (with
 * set == NULL the caller looks at them with hcfg_cli_value). 0, or 2 after
 * printing "hostd: ..." and a hint to stderr (usage error). */
int hcfg_collect_args(struct hcfg *h, const struct hcfg_opt *opts, size_t n_opts, int argc,
		      char **argv);
/* The last command-line value of option name (NULL if absent, "" for a
 * flag that was given). */
const char *hcfg_cli_value(const struct hcfg *h, const char *name);

/* The last effective value of option name after hcfg_apply (NULL if
 * unset, "yes" for a flag given on the command line). */
const char *hcfg_value(const struct hcfg *h, const char *name);

/* Read the configuration file path (NULL = none) and then the command
 * line, calling every setter in that order, command line last and
 * overriding. missing_ok: a missing file is not an error (the default
 * path). 0, or -EINVAL/-errno after printing precise errors to err
 * (FILE:LINE: ...). Every bad line is reported, not just the first. */
int hcfg_apply(struct hcfg *h, const char *path, int missing_ok, FILE *err);

/* Parse configuration text (for tests and hcfg_apply): records values of
 * keys not given on the command line into h->eff and calls their setters.
 * text is modified and must outlive h. Returns the number of errors
 * printed to err. */
int hcfg_parse_text(struct hcfg *h, char *text, const char *file, FILE *err);

/* --help: one block per section, options aligned, paragraphs wrapped. */
void hcfg_usage(const struct hcfg_opt *opts, size_t n_opts, FILE *f);
/* The documented configuration template: every key of scope HCFG_BOTH,
 * its help as comment lines, then "#key = default" (commented out). */
void hcfg_template(const struct hcfg_opt *opts, size_t n_opts, FILE *f);

/* --check-config: run the check of every effective value (and of the
 * defaults marked check_default), print "ok"/errors per key. Returns the
 * number of problems. */
int hcfg_check(const struct hcfg *h, FILE *out, FILE *err);
/* Print the effective configuration: "key = value  # source". */
void hcfg_dump(const struct hcfg *h, FILE *f);

/* The single checks, usable alone: 0, or -errno with the reason in err. */
int hcfg_check_file(const char *path, char *err, size_t errlen);
int hcfg_check_dir(const char *path, char *err, size_t errlen);
int hcfg_check_hostport(const char *spec, const char *const *schemes, char *err, size_t errlen);
int hcfg_check_value(enum hcfg_check kind, const char *val, char *err, size_t errlen);

/* Frees the file text (the hcfg itself is the caller's); accepts NULL. */
void hcfg_free(struct hcfg *h);

#endif
