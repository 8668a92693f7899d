#include "patina-util.h"

#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define BACKGROUND_NICE 10

int patina_thread_lower_priority(void)
{
#ifdef __linux__
  /* On Linux the nice value is per thread: PRIO_PROCESS with a thread id. */
  id_t tid = (id_t) syscall(SYS_gettid);
  errno = 0;
  int previous = getpriority(PRIO_PROCESS, tid);
  if (errno != 0)
    return 0;
  if (previous < BACKGROUND_NICE)
    (void) setpriority(PRIO_PROCESS, tid, BACKGROUND_NICE);
  return previous;
#else
  return 0;
#endif
}

void patina_thread_restore_priority(int previous)
{
#ifdef __linux__
  /* Lowering the nice value back may need privileges; when refused, the thread stays low. */
  (void) setpriority(PRIO_PROCESS, (id_t) syscall(SYS_gettid), previous);
#else
  (void) previous;
#endif
}
