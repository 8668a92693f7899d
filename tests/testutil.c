#include "testutil.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

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

int test_pdf_pages(const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  g_assert_true(len > 5 && memcmp(data, "%PDF-", 5) == 0);
  int pages = 0;
  static const char key[] = "/Type /Page";
  const gsize n = sizeof key - 1;
  for (const char *p = data, *end = data + len; (p = memmem(p, end - p, key, n)); p++)
    pages += p + n >= end || p[n] != 's'; /* "/Type /Pages" is the page tree */
  return pages;
}
