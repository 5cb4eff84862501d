import { onBeforeUnmount, onMounted, ref } from 'vue';

/** Runs `load` now and every `ms` while the page is open (paused while the tab is hidden). */
export function usePolling(load: () => Promise<unknown>, ms: number): { refresh: () => Promise<void> } {
  let timer: number | undefined;
  let running = false;
  const refresh = async () => {
    if (running) return;
    running = true;
    try {
      await load();
    } finally {
      running = false;
    }
  };
  onMounted(() => {
    void refresh();
    timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, ms);
  });
  onBeforeUnmount(() => window.clearInterval(timer));
  return { refresh };
}

/** The time now, ticking every second, for countdowns. */
export function useNow() {
  const now = ref(Date.now());
  let timer: number | undefined;
  onMounted(() => (timer = window.setInterval(() => (now.value = Date.now()), 1000)));
  onBeforeUnmount(() => window.clearInterval(timer));
  return now;
}

function dialogOpen(): boolean {
  return [...document.querySelectorAll<HTMLElement>('.el-overlay')].some((o) => getComputedStyle(o).display !== 'none');
}

/** Single-key shortcuts, ignored while the person types in a field or a dialog is open. */
export function useKeys(handlers: Record<string, (event: KeyboardEvent) => void>) {
  const listener = (event: KeyboardEvent) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target as HTMLElement | null;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    if (dialogOpen() && event.key !== 'Escape') return;
    const handler = handlers[event.key];
    if (!handler) return;
    // Enter on a focused button or link does what that control says, not the shortcut.
    if (event.key === 'Enter' && target && ['BUTTON', 'A'].includes(target.tagName)) return;
    event.preventDefault();
    handler(event);
  };
  onMounted(() => window.addEventListener('keydown', listener));
  onBeforeUnmount(() => window.removeEventListener('keydown', listener));
}
