// Reports the first paint, as Ticket Bridge does once its connection card is drawn.
requestAnimationFrame(() => requestAnimationFrame(() => window.__TAURI__.core.invoke("ui_ready")));
