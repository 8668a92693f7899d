/* Small helpers shared by the app's workers. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Lowers the calling thread's scheduling priority (nice +10 on Linux; threads it creates
 * inherit it) so heavy work on workers leaves the CPU to the main loop first, and returns the
 * previous value for patina_thread_restore_priority (GTask threads are reused). */
int patina_thread_lower_priority(void);
void patina_thread_restore_priority(int previous);

G_END_DECLS
