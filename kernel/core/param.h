/* SPDX-License-Identifier: MIT */
/* param.h: key=value settings on the kernel command line.
 *
 * Settings for drivers ride on the command line as Linux takes them
 * (`virtio_mmio.device=512@0xfeb00e00:12`); they are taken out before the
 * rest of the line is run as a command. */
#ifndef CORE_PARAM_H
#define CORE_PARAM_H

/* Calls fn(value, arg) for every word "key=value" of cmdline, in order,
 * and removes those words from cmdline (in place; the other words keep
 * their order). Returns how many were taken. */
int param_take(char *cmdline, const char *key,
	       void (*fn)(const char *value, void *arg), void *arg);

#endif
