/* What the Train page says about the split a run will use when the data set has a manifest:
 * its train, validation and test image counts, as the job will open them (excluded, missing and
 * unreadable images left out). Read on a worker; the caller cancels a request it no longer
 * wants. */
#pragma once
#include <gio/gio.h>

G_BEGIN_DECLS

void patina_train_split_describe_async(const char *dataset_root, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
/* The sentence for the Validation Share row, or NULL (error set) when the manifest cannot be
 * read; the error says why, naming the file. */
char *patina_train_split_describe_finish(GAsyncResult *result, GError **error);

G_END_DECLS
