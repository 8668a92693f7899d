#include "patina-train-split.h"

#include <glib/gi18n.h>

#include "data/datasource.h"
#include "patina-util.h"

static void describe_worker(GTask *task, gpointer source, gpointer task_data,
                            GCancellable *cancellable)
{
  (void) source;
  (void) cancellable;
  GError *error = NULL;
  int priority = patina_thread_lower_priority();
  g_auto(PatinaDataSource) data = {0};
  gboolean ok = patina_data_source_open(task_data, PATINA_MANIFEST_REQUIRED, &data, NULL, NULL,
                                        &error);
  patina_thread_restore_priority(priority);
  if (!ok) {
    g_task_return_error(task, error);
    return;
  }
  guint train = data.splits[PATINA_SPLIT_TRAIN]->len, val = data.splits[PATINA_SPLIT_VAL]->len;
  guint test = data.splits[PATINA_SPLIT_TEST]->len;
  g_task_return_pointer(
    task,
    g_strdup_printf(_("The data set's manifest sets the split: %u train and %u validation "
                      "images; its %u test images are left out"),
                    train, val, test),
    g_free);
}

void patina_train_split_describe_async(const char *dataset_root, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, patina_train_split_describe_async);
  g_task_set_task_data(task, g_strdup(dataset_root), g_free);
  g_task_run_in_thread(task, describe_worker);
}

char *patina_train_split_describe_finish(GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer(G_TASK(result), error);
}
