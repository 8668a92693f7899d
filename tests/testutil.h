/* Helpers shared by the test programs. */
#pragma once

/* Removes path: a file, a symbolic link (not what it points to) or a whole folder. */
void test_remove_tree(const char *path);
