/* What manifest.c shares with manifest-folder.c; not part of the library's interface. */
#pragma once
#include "manifest.h"

/* Appends an issue to issues (which may be NULL: then nothing is recorded). */
void patina_manifest_add_issue(GArray *issues, PatinaIssueKind kind, const char *path,
                               const char *fmt, ...) G_GNUC_PRINTF(4, 5);
/* root/rel when rel is a safe relative path naming a regular file that really lies inside
 * root_real (root resolved); else NULL and an error saying which of these failed. */
char *patina_manifest_resolve_in(const char *root, const char *root_real, const char *rel,
                                 GError **error);
/* The path of an absolute file under root, relative to it, or NULL when it is not below it. */
const char *patina_manifest_relative_to(const char *root, const char *path);
/* The shortest decimal that reads back as the same double. */
void patina_manifest_append_double(GString *out, double v);
/* A JSON string literal of s (UTF-8 kept as is), or null. */
void patina_manifest_append_string(GString *out, const char *s);
