/* hostd/dfctl/dfctl_int.h: what dfctl's files share. dfctl.c holds the
 * HTTP client, the output helpers, the resource commands and main();
 * cmd_offload.c (`dfctl offload`), cmd_flows.c (`dfctl flows`) and
 * cmd_pipeline.c (`dfctl pipeline`, drawing with graph.c) and
 * cmd_firmware.c (`dfctl firmware`) borrow the
 * helpers below. Not an API outside hostd/dfctl/. */
#ifndef DFNIC_DFCTL_INT_H
#define DFNIC_DFCTL_INT_H

#include <jansson.h>

extern int json_out;            /* --json */

struct reply {
	int status;                     /* HTTP status */
	json_t *body;                   /* parsed body, NULL if none */
};

/* One request to hostd over its Unix socket (exits 3 when hostd cannot be
 * reached). */
struct reply http(const char *method, const char *path, const char *body);
/* The same with a body of any type (blen bytes). */
struct reply http_body(const char *method, const char *path, const char *ctype, const void *body,
		       size_t blen);
/* Prints the API's error for `what`, frees the body, returns the exit code. */
int api_error(struct reply *rp, const char *what);
void print_json(json_t *j);
/* %XX-escapes everything but unreserved characters (malloc'ed). */
char *url_escape(const char *s);
/* The URL of a per-chassis resource: "/v2.0/chassis/CHASSIS/WHAT" (chassis
 * escaped), or "/v2.0/dfnic/WHAT" for all chassis when chassis is NULL.
 * Malloc'ed; exits on out-of-memory as url_escape does. */
char *chassis_url(const char *chassis, const char *what);

/* Commands living in their own files. */
int cmd_offload(int argc, char **argv);
int cmd_flows(int argc, char **argv);
int cmd_pipeline(int argc, char **argv);
int cmd_firmware(int argc, char **argv);

#endif
