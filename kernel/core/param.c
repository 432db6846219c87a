/* SPDX-License-Identifier: MIT */
/* param.c: taking key=value words out of the command line (param.h). */
#include <stdbool.h>
#include <string.h>

#include "core/param.h"

#define WORD_MAX 256

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

int param_take(char *cmdline, const char *key,
	       void (*fn)(const char *value, void *arg), void *arg)
{
	size_t klen = strlen(key);
	char *rd = cmdline, *wr = cmdline;
	int taken = 0;

	while (*rd) {
		if (is_space(*rd)) {
			*wr++ = *rd++;
			continue;
		}
		char *w = rd;
		while (*rd && !is_space(*rd))
			rd++;
		size_t len = (size_t)(rd - w);
		if (len > klen && !strncmp(w, key, klen) && w[klen] == '=') {
			char value[WORD_MAX];
			size_t vlen = len - klen - 1;
			if (vlen >= sizeof(value))
				vlen = sizeof(value) - 1;
			memcpy(value, w + klen + 1, vlen);
			value[vlen] = '\0';
			fn(value, arg);
			taken++;
			while (is_space(*rd))
				rd++; /* the word's separator goes too */
			continue;
		}
		memmove(wr, w, len);
		wr += len;
	}
	*wr = '\0';
	return taken;
}
