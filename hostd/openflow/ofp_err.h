/* hostd/openflow/ofp_err.h: OpenFlow 1.3 error types and codes, and the
 * error convention of the codec.
 *
 * One X-macro lists every (OFPET, code) pair of the OpenFlow 1.3.5 spec; it
 * generates enum ofperr (what decode_ functions return: 0 = OFPERR_OK, else
 * the error hostd should answer with), the names used by format_ for
 * received ERROR messages, and the mapping back to wire type/code. Decoders
 * also fill a detailed, human-readable reason (struct ofp_errbuf). */
#ifndef DFNIC_OFP_ERR_H
#define DFNIC_OFP_ERR_H

#include <stddef.h>
#include <stdint.h>

/* X(type_id, type_code) */
#define OFP_ERROR_TYPES(X)                                                      \
	X(HELLO_FAILED, 0) X(BAD_REQUEST, 1) X(BAD_ACTION, 2)                    \
	X(BAD_INSTRUCTION, 3) X(BAD_MATCH, 4) X(FLOW_MOD_FAILED, 5)              \
	X(GROUP_MOD_FAILED, 6) X(PORT_MOD_FAILED, 7) X(TABLE_MOD_FAILED, 8)      \
	X(QUEUE_OP_FAILED, 9) X(SWITCH_CONFIG_FAILED, 10)                        \
	X(ROLE_REQUEST_FAILED, 11) X(METER_MOD_FAILED, 12)                       \
	X(TABLE_FEATURES_FAILED, 13)

enum ofp_error_type {
#define OFPET_ENUM(id, code) OFPET_##id = code,
	OFP_ERROR_TYPES(OFPET_ENUM)
#undef OFPET_ENUM
};

/* X(name, OFPET type id, code) */
#define OFP_ERRORS(X)                                                           \
	X(OFPHFC_INCOMPATIBLE, HELLO_FAILED, 0)                                  \
	X(OFPHFC_EPERM, HELLO_FAILED, 1)                                         \
	X(OFPBRC_BAD_VERSION, BAD_REQUEST, 0)                                    \
	X(OFPBRC_BAD_TYPE, BAD_REQUEST, 1)                                       \
	X(OFPBRC_BAD_MULTIPART, BAD_REQUEST, 2)                                  \
	X(OFPBRC_BAD_EXPERIMENTER, BAD_REQUEST, 3)                               \
	X(OFPBRC_BAD_EXP_TYPE, BAD_REQUEST, 4)                                   \
	X(OFPBRC_EPERM, BAD_REQUEST, 5)                                          \
	X(OFPBRC_BAD_LEN, BAD_REQUEST, 6)                                        \
	X(OFPBRC_BUFFER_EMPTY, BAD_REQUEST, 7)                                   \
	X(OFPBRC_BUFFER_UNKNOWN, BAD_REQUEST, 8)                                 \
	X(OFPBRC_BAD_TABLE_ID, BAD_REQUEST, 9)                                   \
	X(OFPBRC_IS_SLAVE, BAD_REQUEST, 10)                                      \
	X(OFPBRC_BAD_PORT, BAD_REQUEST, 11)                                      \
	X(OFPBRC_BAD_PACKET, BAD_REQUEST, 12)                                    \
	X(OFPBRC_MULTIPART_BUFFER_OVERFLOW, BAD_REQUEST, 13)                     \
	X(OFPBAC_BAD_TYPE, BAD_ACTION, 0)                                        \
	X(OFPBAC_BAD_LEN, BAD_ACTION, 1)                                         \
	X(OFPBAC_BAD_EXPERIMENTER, BAD_ACTION, 2)                                \
	X(OFPBAC_BAD_EXP_TYPE, BAD_ACTION, 3)                                    \
	X(OFPBAC_BAD_OUT_PORT, BAD_ACTION, 4)                                    \
	X(OFPBAC_BAD_ARGUMENT, BAD_ACTION, 5)                                    \
	X(OFPBAC_EPERM, BAD_ACTION, 6)                                           \
	X(OFPBAC_TOO_MANY, BAD_ACTION, 7)                                        \
	X(OFPBAC_BAD_QUEUE, BAD_ACTION, 8)                                       \
	X(OFPBAC_BAD_OUT_GROUP, BAD_ACTION, 9)                                   \
	X(OFPBAC_MATCH_INCONSISTENT, BAD_ACTION, 10)                             \
	X(OFPBAC_UNSUPPORTED_ORDER, BAD_ACTION, 11)                              \
	X(OFPBAC_BAD_TAG, BAD_ACTION, 12)                                        \
	X(OFPBAC_BAD_SET_TYPE, BAD_ACTION, 13)                                   \
	X(OFPBAC_BAD_SET_LEN, BAD_ACTION, 14)                                    \
	X(OFPBAC_BAD_SET_ARGUMENT, BAD_ACTION, 15)                               \
	X(OFPBIC_UNKNOWN_INST, BAD_INSTRUCTION, 0)                               \
	X(OFPBIC_UNSUP_INST, BAD_INSTRUCTION, 1)                                 \
	X(OFPBIC_BAD_TABLE_ID, BAD_INSTRUCTION, 2)                               \
	X(OFPBIC_UNSUP_METADATA, BAD_INSTRUCTION, 3)                             \
	X(OFPBIC_UNSUP_METADATA_MASK, BAD_INSTRUCTION, 4)                        \
	X(OFPBIC_BAD_EXPERIMENTER, BAD_INSTRUCTION, 5)                           \
	X(OFPBIC_BAD_EXP_TYPE, BAD_INSTRUCTION, 6)                               \
	X(OFPBIC_BAD_LEN, BAD_INSTRUCTION, 7)                                    \
	X(OFPBIC_EPERM, BAD_INSTRUCTION, 8)                                      \
	X(OFPBMC_BAD_TYPE, BAD_MATCH, 0)                                         \
	X(OFPBMC_BAD_LEN, BAD_MATCH, 1)                                          \
	X(OFPBMC_BAD_TAG, BAD_MATCH, 2)                                          \
	X(OFPBMC_BAD_DL_ADDR_MASK, BAD_MATCH, 3)                                 \
	X(OFPBMC_BAD_NW_ADDR_MASK, BAD_MATCH, 4)                                 \
	X(OFPBMC_BAD_WILDCARDS, BAD_MATCH, 5)                                    \
	X(OFPBMC_BAD_FIELD, BAD_MATCH, 6)                                        \
	X(OFPBMC_BAD_VALUE, BAD_MATCH, 7)                                        \
	X(OFPBMC_BAD_MASK, BAD_MATCH, 8)                                         \
	X(OFPBMC_BAD_PREREQ, BAD_MATCH, 9)                                       \
	X(OFPBMC_DUP_FIELD, BAD_MATCH, 10)                                       \
	X(OFPBMC_EPERM, BAD_MATCH, 11)                                           \
	X(OFPFMFC_UNKNOWN, FLOW_MOD_FAILED, 0)                                   \
	X(OFPFMFC_TABLE_FULL, FLOW_MOD_FAILED, 1)                                \
	X(OFPFMFC_BAD_TABLE_ID, FLOW_MOD_FAILED, 2)                              \
	X(OFPFMFC_OVERLAP, FLOW_MOD_FAILED, 3)                                   \
	X(OFPFMFC_EPERM, FLOW_MOD_FAILED, 4)                                     \
	X(OFPFMFC_BAD_TIMEOUT, FLOW_MOD_FAILED, 5)                               \
	X(OFPFMFC_BAD_COMMAND, FLOW_MOD_FAILED, 6)                               \
	X(OFPFMFC_BAD_FLAGS, FLOW_MOD_FAILED, 7)                                 \
	X(OFPGMFC_GROUP_EXISTS, GROUP_MOD_FAILED, 0)                             \
	X(OFPGMFC_INVALID_GROUP, GROUP_MOD_FAILED, 1)                            \
	X(OFPGMFC_WEIGHT_UNSUPPORTED, GROUP_MOD_FAILED, 2)                       \
	X(OFPGMFC_OUT_OF_GROUPS, GROUP_MOD_FAILED, 3)                            \
	X(OFPGMFC_OUT_OF_BUCKETS, GROUP_MOD_FAILED, 4)                           \
	X(OFPGMFC_CHAINING_UNSUPPORTED, GROUP_MOD_FAILED, 5)                     \
	X(OFPGMFC_WATCH_UNSUPPORTED, GROUP_MOD_FAILED, 6)                        \
	X(OFPGMFC_LOOP, GROUP_MOD_FAILED, 7)                                     \
	X(OFPGMFC_UNKNOWN_GROUP, GROUP_MOD_FAILED, 8)                            \
	X(OFPGMFC_CHAINED_GROUP, GROUP_MOD_FAILED, 9)                            \
	X(OFPGMFC_BAD_TYPE, GROUP_MOD_FAILED, 10)                                \
	X(OFPGMFC_BAD_COMMAND, GROUP_MOD_FAILED, 11)                             \
	X(OFPGMFC_BAD_BUCKET, GROUP_MOD_FAILED, 12)                              \
	X(OFPGMFC_BAD_WATCH, GROUP_MOD_FAILED, 13)                               \
	X(OFPGMFC_EPERM, GROUP_MOD_FAILED, 14)                                   \
	X(OFPPMFC_BAD_PORT, PORT_MOD_FAILED, 0)                                  \
	X(OFPPMFC_BAD_HW_ADDR, PORT_MOD_FAILED, 1)                               \
	X(OFPPMFC_BAD_CONFIG, PORT_MOD_FAILED, 2)                                \
	X(OFPPMFC_BAD_ADVERTISE, PORT_MOD_FAILED, 3)                             \
	X(OFPPMFC_EPERM, PORT_MOD_FAILED, 4)                                     \
	X(OFPTMFC_BAD_TABLE, TABLE_MOD_FAILED, 0)                                \
	X(OFPTMFC_BAD_CONFIG, TABLE_MOD_FAILED, 1)                               \
	X(OFPTMFC_EPERM, TABLE_MOD_FAILED, 2)                                    \
	X(OFPQOFC_BAD_PORT, QUEUE_OP_FAILED, 0)                                  \
	X(OFPQOFC_BAD_QUEUE, QUEUE_OP_FAILED, 1)                                 \
	X(OFPQOFC_EPERM, QUEUE_OP_FAILED, 2)                                     \
	X(OFPSCFC_BAD_FLAGS, SWITCH_CONFIG_FAILED, 0)                            \
	X(OFPSCFC_BAD_LEN, SWITCH_CONFIG_FAILED, 1)                              \
	X(OFPSCFC_EPERM, SWITCH_CONFIG_FAILED, 2)                                \
	X(OFPRRFC_STALE, ROLE_REQUEST_FAILED, 0)                                 \
	X(OFPRRFC_UNSUP, ROLE_REQUEST_FAILED, 1)                                 \
	X(OFPRRFC_BAD_ROLE, ROLE_REQUEST_FAILED, 2)                              \
	X(OFPMMFC_UNKNOWN, METER_MOD_FAILED, 0)                                  \
	X(OFPMMFC_METER_EXISTS, METER_MOD_FAILED, 1)                             \
	X(OFPMMFC_INVALID_METER, METER_MOD_FAILED, 2)                            \
	X(OFPMMFC_UNKNOWN_METER, METER_MOD_FAILED, 3)                            \
	X(OFPMMFC_BAD_COMMAND, METER_MOD_FAILED, 4)                              \
	X(OFPMMFC_BAD_FLAGS, METER_MOD_FAILED, 5)                                \
	X(OFPMMFC_BAD_RATE, METER_MOD_FAILED, 6)                                 \
	X(OFPMMFC_BAD_BURST, METER_MOD_FAILED, 7)                                \
	X(OFPMMFC_BAD_BAND, METER_MOD_FAILED, 8)                                 \
	X(OFPMMFC_BAD_BAND_VALUE, METER_MOD_FAILED, 9)                           \
	X(OFPMMFC_OUT_OF_METERS, METER_MOD_FAILED, 10)                           \
	X(OFPMMFC_OUT_OF_BANDS, METER_MOD_FAILED, 11)                            \
	X(OFPTFFC_BAD_TABLE, TABLE_FEATURES_FAILED, 0)                           \
	X(OFPTFFC_BAD_METADATA, TABLE_FEATURES_FAILED, 1)                        \
	X(OFPTFFC_BAD_TYPE, TABLE_FEATURES_FAILED, 2)                            \
	X(OFPTFFC_BAD_LEN, TABLE_FEATURES_FAILED, 3)                             \
	X(OFPTFFC_BAD_ARGUMENT, TABLE_FEATURES_FAILED, 4)                        \
	X(OFPTFFC_EPERM, TABLE_FEATURES_FAILED, 5)

enum ofperr {
	OFPERR_OK = 0, /* success */
#define OFPERR_ENUM(name, type, code) OFPERR_##name,
	OFP_ERRORS(OFPERR_ENUM)
#undef OFPERR_ENUM
	OFPERR__N
};

/* "OFPBMC_DUP_FIELD"; "OK" for 0; "?" out of range. */
const char *ofperr_name(enum ofperr e);
/* Wire type/code of e (e != OFPERR_OK). */
uint16_t ofperr_type(enum ofperr e);
uint16_t ofperr_code(enum ofperr e);
/* The error for a wire (type, code), or OFPERR_OK when unknown. */
enum ofperr ofperr_from_wire(uint16_t type, uint16_t code);
/* "OFPET_BAD_MATCH" or NULL when the type is unknown. */
const char *ofp_error_type_name(uint16_t type);

/* Detailed reason filled by decoders: "<what> ..." (no error name). */
struct ofp_errbuf {
	char *buf;   /* caller's buffer, may be NULL */
	size_t size; /* its size */
};

/* Records the reason (printf style) and returns e. */
enum ofperr ofp_fail(struct ofp_errbuf *eb, enum ofperr e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
