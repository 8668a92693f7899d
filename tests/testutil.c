#include "testutil.h"

#include <glib.h>
#include <glib/gstdio.h>

void test_remove_tree(const char *path)
{
  if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
    g_chmod(path, 0755); /* tests make folders unreadable on purpose */
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
      g_autofree char *child = g_build_filename(path, name, NULL);
      test_remove_tree(child);
    }
    g_rmdir(path);
  } else {
    g_remove(path);
  }
}
