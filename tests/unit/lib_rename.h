/* SPDX-License-Identifier: MIT */
/* lib_rename.h: host builds of kernel/lib under the names ulib_<name>.
 *
 * kernel/lib defines memcpy, snprintf, strtol, ... which would clash with
 * the C library a host test links against. So on the host each standard
 * name becomes ulib_<name>, in two places:
 *
 *  - lib_objs.mk compiles each kernel/lib source exactly as for the kernel
 *    (-ffreestanding -nostdinc, kernel/lib/include) plus the sanitizers,
 *    with -DLIB_RENAME_KEEP -include lib_rename.h: the code and the kernel
 *    headers it includes then define and declare ulib_memcpy and so on.
 *
 *  - a test includes this file after its host headers (and unit.h). It gets
 *    the kernel headers' declarations under the ulib_ names, then the
 *    macros are removed, so plain names in the test (and in unit.h) are
 *    the host's: ulib_snprintf is the code under test, snprintf the
 *    reference to compare against.
 *
 * A name added to kernel/lib/include must be added to both lists. */
#ifndef LIB_RENAME_H
#define LIB_RENAME_H

/* glibc's ctype.h defines these as macros. */
#undef isdigit
#undef isupper
#undef islower
#undef isalpha
#undef isalnum
#undef isxdigit
#undef isspace
#undef iscntrl
#undef isprint
#undef isgraph
#undef ispunct
#undef toupper
#undef tolower

#define memcpy ulib_memcpy
#define memmove ulib_memmove
#define memset ulib_memset
#define memcmp ulib_memcmp
#define memchr ulib_memchr
#define strlen ulib_strlen
#define strnlen ulib_strnlen
#define strcmp ulib_strcmp
#define strncmp ulib_strncmp
#define strchr ulib_strchr
#define strrchr ulib_strrchr
#define strstr ulib_strstr
#define strlcpy ulib_strlcpy
#define vcbprintf ulib_vcbprintf
#define cbprintf ulib_cbprintf
#define vsnprintf ulib_vsnprintf
#define snprintf ulib_snprintf
#define strtol ulib_strtol
#define strtoul ulib_strtoul
#define strtoll ulib_strtoll
#define strtoull ulib_strtoull
#define strtoll_err ulib_strtoll_err
#define strtoull_err ulib_strtoull_err
#define qsort ulib_qsort
#define bsearch ulib_bsearch
#define abs ulib_abs
#define labs ulib_labs
#define llabs ulib_llabs
#define isdigit ulib_isdigit
#define isupper ulib_isupper
#define islower ulib_islower
#define isalpha ulib_isalpha
#define isalnum ulib_isalnum
#define isxdigit ulib_isxdigit
#define isspace ulib_isspace
#define iscntrl ulib_iscntrl
#define isprint ulib_isprint
#define isgraph ulib_isgraph
#define ispunct ulib_ispunct
#define toupper ulib_toupper
#define tolower ulib_tolower

#ifndef LIB_RENAME_KEEP
#include "../../kernel/lib/include/ctype.h"
#include "../../kernel/lib/include/stdio.h"
#include "../../kernel/lib/include/stdlib.h"
#include "../../kernel/lib/include/string.h"

#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strstr
#undef strlcpy
#undef vcbprintf
#undef cbprintf
#undef vsnprintf
#undef snprintf
#undef strtol
#undef strtoul
#undef strtoll
#undef strtoull
#undef strtoll_err
#undef strtoull_err
#undef qsort
#undef bsearch
#undef abs
#undef labs
#undef llabs
#undef isdigit
#undef isupper
#undef islower
#undef isalpha
#undef isalnum
#undef isxdigit
#undef isspace
#undef iscntrl
#undef isprint
#undef isgraph
#undef ispunct
#undef toupper
#undef tolower
#endif

#endif
