/* Helpers shared by the test programs. */
#pragma once

/* Removes path: a file, a symbolic link (not what it points to) or a whole folder. */
void test_remove_tree(const char *path);

/* The pages of the PDF file at path (after checking it starts as a PDF); what the exports'
 * tests read back. The compressed streams hold NUL bytes, so it searches with memmem. */
int test_pdf_pages(const char *path);
