/* The main loop during training: the longest stall between a 5 ms probe's ticks, told apart
 * into the main thread's own work and its wait for a core, and the frames' layout and paint
 * times. Reported with g_test_message, never asserted (helpers in app-test.h). */
#include <adwaita.h>
#include <stdio.h>
#include <time.h>

#include "app-test.h"

#include "patina-settings.h"

/* Where a frame's time goes: the frame clock's phases, timed by handlers connected after
 * GTK's own, so each mark falls at the end of GTK's work in that phase. */
typedef struct {
  gint64 begin, layout_end;
  gint64 longest_layout, longest_paint, longest_frame;
  double sum_paint;
  int frames;
} FrameTimes;

static void on_before_paint(GdkFrameClock *clock, FrameTimes *t)
{
  (void) clock;
  t->begin = t->layout_end = g_get_monotonic_time();
}

static void on_layout(GdkFrameClock *clock, FrameTimes *t)
{
  (void) clock;
  t->layout_end = g_get_monotonic_time();
  t->longest_layout = MAX(t->longest_layout, t->layout_end - t->begin);
}

static void on_paint(GdkFrameClock *clock, FrameTimes *t)
{
  (void) clock;
  gint64 now = g_get_monotonic_time();
  t->longest_paint = MAX(t->longest_paint, now - t->layout_end);
  t->longest_frame = MAX(t->longest_frame, now - t->begin);
  t->sum_paint += now - t->layout_end;
  t->frames++;
  if (g_getenv("PATINA_PROBE_VERBOSE"))
    g_printerr("frame at %.3f: layout %.1f ms, paint %.1f ms\n", now / 1e6,
               (t->layout_end - t->begin) / 1000.0, (now - t->layout_end) / 1000.0);
}

/* A stall probe that also reads the main thread's CPU clock, to tell the main loop's own
 * work (CPU time in the gap) from waiting for a core the machine's other processes hold. */
typedef struct {
  gint64 last_wall, last_cpu, last_wait;
  gint64 longest_wall, cpu_in_longest_wall, wait_in_longest_wall, longest_cpu;
} CpuProbe;

/* Time this thread has spent runnable but waiting for a core (Linux schedstat), µs; 0 where
 * unknown. */
static gint64 thread_runqueue_wait_us(void)
{
  g_autofree char *text = NULL;
  if (!g_file_get_contents("/proc/thread-self/schedstat", &text, NULL, NULL))
    return 0;
  unsigned long long on_cpu_ns = 0, waiting_ns = 0;
  if (sscanf(text, "%llu %llu", &on_cpu_ns, &waiting_ns) != 2)
    return 0;
  return (gint64) (waiting_ns / 1000);
}

static gint64 thread_cpu_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean cpu_probe_tick(gpointer data)
{
  CpuProbe *p = data;
  gint64 wall = g_get_monotonic_time(), cpu = thread_cpu_us();
  gint64 waiting = thread_runqueue_wait_us();
  if (p->last_wall) {
    gint64 gap = wall - p->last_wall, used = cpu - p->last_cpu, wait = waiting - p->last_wait;
    if (gap > p->longest_wall) {
      p->longest_wall = gap;
      p->cpu_in_longest_wall = used;
      p->wait_in_longest_wall = wait;
    }
    p->longest_cpu = MAX(p->longest_cpu, used);
    if (gap > 20000 && g_getenv("PATINA_PROBE_VERBOSE"))
      g_printerr("stall %.1f ms: main thread working %.1f ms, waiting for a core %.1f ms; at "
                 "%.3f\n",
                 gap / 1000.0, used / 1000.0, wait / 1000.0, wall / 1e6);
  }
  p->last_wall = wall;
  p->last_cpu = cpu;
  p->last_wait = waiting;
  return G_SOURCE_CONTINUE;
}

/* The longest main-loop stall during a run of a few epochs with the Train page showing, and
 * how long the frames' layout and paint took. Reported, never asserted. */
static void test_stall_probe(Fixture *f, gconstpointer user_data)
{
  (void) user_data;
  open_demo(f);
  reset_train_settings(8);
  /* the paper's input size, so the run lasts long enough for many progress updates */
  g_autoptr(GSettings) settings = patina_settings_new();
  g_settings_set_int(settings, "train-size", 150);
  PatinaWorkspace *ws = patina_window_get_workspace(f->window);
  activate(f, "win.show-page", g_variant_new_string("train"));
  settle();
  GdkFrameClock *clock = gtk_widget_get_frame_clock(GTK_WIDGET(f->window));
  FrameTimes t = {0};
  gulong ids[3] = {
    g_signal_connect(clock, "before-paint", G_CALLBACK(on_before_paint), &t),
    g_signal_connect(clock, "layout", G_CALLBACK(on_layout), &t),
    g_signal_connect(clock, "paint", G_CALLBACK(on_paint), &t),
  };
  CpuProbe probe = {0};
  guint probe_id = g_timeout_add(5, cpu_probe_tick, &probe);
  activate(f, "win.train-start", NULL);
  wait_for(job_finished, ws, "the training to finish");
  g_source_remove(probe_id);
  for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
    g_signal_handler_disconnect(clock, ids[i]);
  g_test_message("longest main-loop stall during training: %.1f ms, of which the main thread "
                 "worked %.1f ms and waited for a core %.1f ms; the most main-thread work "
                 "between two ticks: %.1f ms",
                 probe.longest_wall / 1000.0, probe.cpu_in_longest_wall / 1000.0,
                 probe.wait_in_longest_wall / 1000.0, probe.longest_cpu / 1000.0);
  g_test_message("%d frames; longest: frame %.1f ms, layout %.1f ms, paint %.1f ms; mean paint "
                 "%.1f ms",
                 t.frames, t.longest_frame / 1000.0, t.longest_layout / 1000.0,
                 t.longest_paint / 1000.0, t.frames ? t.sum_paint / t.frames / 1000.0 : 0.0);
}

int main(int argc, char **argv)
{
  app_test_init(&argc, &argv);
  g_test_add("/train/stall-probe", Fixture, NULL, fixture_set_up, test_stall_probe,
             fixture_tear_down);
  return app_test_run();
}
