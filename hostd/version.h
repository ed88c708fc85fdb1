/* hostd/version.h: hostd's version, shown by --version, sent in HELLO and
 * in the HOST_INFO object it pushes to the NIC. */
#ifndef DFNIC_HOSTD_VERSION_H
#define DFNIC_HOSTD_VERSION_H

#define HOSTD_VERSION "0.1.0"

#endif
