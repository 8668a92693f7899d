#include "patina-folder-images.h"

#include <glib/gi18n.h>

typedef struct {
  GStrv paths;
  GStrv problems;
} Expanded;

static void expanded_free(gpointer p)
{
  Expanded *e = p;
  g_strfreev(e->paths);
  g_strfreev(e->problems);
  g_free(e);
}

static gboolean looks_like_image(const char *name)
{
  g_autofree char *type = g_content_type_guess(name, NULL, 0, NULL);
  g_autofree char *mime = g_content_type_get_mime_type(type);
  return mime && g_str_has_prefix(mime, "image/");
}

static int compare_paths(gconstpointer a, gconstpointer b)
{
  return g_utf8_collate(*(char *const *) a, *(char *const *) b);
}

static void add_folder(const char *folder, GPtrArray *paths, GPtrArray *problems)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open(folder, 0, &error);
  if (!dir) {
    g_ptr_array_add(problems, g_strdup_printf(_("Cannot read the folder %s: %s"), folder,
                                              error->message));
    return;
  }
  g_autoptr(GPtrArray) found = g_ptr_array_new();
  const char *name;
  while ((name = g_dir_read_name(dir))) {
    if (name[0] == '.' || !looks_like_image(name))
      continue;
    char *path = g_build_filename(folder, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
      g_ptr_array_add(found, path);
    else
      g_free(path);
  }
  if (found->len == 0)
    g_ptr_array_add(problems, g_strdup_printf(_("The folder %s holds no image files"), folder));
  g_ptr_array_sort(found, compare_paths);
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add(paths, g_ptr_array_index(found, i));
}

static void expand_worker(GTask *task, gpointer source, gpointer task_data,
                          GCancellable *cancellable)
{
  (void) source;
  const char *const *in = task_data;
  GPtrArray *paths = g_ptr_array_new();
  GPtrArray *problems = g_ptr_array_new();
  for (guint i = 0; in[i] && !g_cancellable_is_cancelled(cancellable); i++) {
    if (g_file_test(in[i], G_FILE_TEST_IS_DIR))
      add_folder(in[i], paths, problems);
    else
      g_ptr_array_add(paths, g_strdup(in[i]));
  }
  g_ptr_array_add(paths, NULL);
  g_ptr_array_add(problems, NULL);
  Expanded *e = g_new0(Expanded, 1);
  e->paths = (GStrv) g_ptr_array_free(paths, FALSE);
  e->problems = (GStrv) g_ptr_array_free(problems, FALSE);
  g_task_return_pointer(task, e, expanded_free);
}

void patina_expand_folders_async(const char *const *paths, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail(paths != NULL);
  g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
  g_task_set_source_tag(task, patina_expand_folders_async);
  g_task_set_task_data(task, g_strdupv((char **) paths), (GDestroyNotify) g_strfreev);
  g_task_run_in_thread(task, expand_worker);
}

GStrv patina_expand_folders_finish(GAsyncResult *result, GStrv *problems)
{
  g_return_val_if_fail(g_task_is_valid(result, NULL), NULL);
  Expanded *e = g_task_propagate_pointer(G_TASK(result), NULL);
  if (problems)
    *problems = e ? g_steal_pointer(&e->problems) : g_new0(char *, 1);
  GStrv paths = e ? g_steal_pointer(&e->paths) : g_new0(char *, 1);
  if (e)
    expanded_free(e);
  return paths;
}
