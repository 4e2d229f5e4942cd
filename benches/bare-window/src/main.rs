//! A bare Tauri window, built the same way as Ticket Bridge (same Tauri, same features, same
//! profile), that paints one line and reports it. The start and memory benchmark
//! (`scripts/bench-start.py`) compares Ticket Bridge against it.

use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

#[tauri::command]
fn ui_ready() {
    let ms = START.get().map_or(0, |s| s.elapsed().as_millis());
    println!("ui ready {ms} ms after start");
}

fn main() {
    START.get_or_init(Instant::now);
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| panic!("bare window failed: {e}"));
}
