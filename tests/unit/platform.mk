# SPDX-License-Identifier: MIT
# platform.mk: host tests of what boot reads from the platform: CPUID
# leaves (kernel/arch/x86_64/cpuid.c), APIC destination encodings
# (apic_encode.h) and the firmware tables (kernel/drivers/acpi_parse.c).
UNIT_TESTS += platform
unit_platform_SRCS := tests/unit/platform_test.c kernel/arch/x86_64/cpuid.c \
	kernel/drivers/acpi_parse.c
