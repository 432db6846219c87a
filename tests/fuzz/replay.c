/* SPDX-License-Identifier: MIT */
/* replay.c: runs a fuzz target over its checked-in corpus
 * (every file in tests/fuzz/corpus/<FUZZ_TARGET>/) without libFuzzer, so `make test`
 * needs only gcc; built with ASan/UBSan like the unit tests. Each file
 * is replayed; a sanitizer report or leak aborts the binary (a
 * failure). The corpus counts as one test. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int main(void)
{
	const char *dir = "tests/fuzz/corpus/" FUZZ_TARGET;
	struct dirent *e;
	int passed = 0;
	DIR *d = opendir(dir);

	if (!d) {
		printf("FAIL no corpus at %s\n0 passed, 1 failed\n", dir);
		return 1;
	}
	while ((e = readdir(d))) {
		char path[512];
		static unsigned char buf[1 << 20];
		FILE *f;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
		passed++;
	}
	closedir(d);
	printf("PASS %s corpus (%d inputs)\n", FUZZ_TARGET, passed);
	printf("%d passed, 0 failed\n", passed ? 1 : 0);
	return passed ? 0 : 1;
}
