//! The load generator `scripts/bench` drives Portico with (not a test and
//! not part of the product): `cargo bench --bench load -- <mode> …`.
//!
//! - `rps <url> <concurrency> <seconds> [cookie]`: keeps `concurrency`
//!   requests in flight for `seconds` and prints one JSON line with the
//!   rate, p50/p99 latency and errors.
//! - `first-load <url> [cookie]`: fetches a page and what its HTML loads
//!   (stylesheets, scripts, preloads, the wasm) and prints their bytes, raw
//!   and brotli-compressed.

use std::time::{Duration, Instant};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        .build()
        .expect("client")
}

async fn get(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> Result<Vec<u8>, String> {
    let mut request = client.get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("status {status}"));
    }
    Ok(body.to_vec())
}

async fn rps(url: String, concurrency: usize, seconds: u64, cookie: Option<String>) {
    let client = client();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    match get(&client, &url, cookie.as_deref()).await {
                        Ok(_) => latencies.push(started.elapsed()),
                        Err(_) => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (l, e) = worker.await.expect("worker");
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "{{\"requests\":{},\"rps\":{:.1},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"errors\":{}}}",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.50),
        at(0.99),
        errors
    );
}

/// What a page or script names that a browser fetches on first load: every
/// quoted same-site path ending in `.css`, `.js` or `.wasm` (the stylesheet,
/// the hydration script and the wasm it instantiates).
fn assets(text: &str) -> Vec<String> {
    text.split(['"', '\''])
        .filter(|t| t.starts_with('/') && !t.starts_with("//"))
        .filter(|t| [".css", ".js", ".wasm"].iter().any(|ext| t.ends_with(ext)))
        .map(str::to_string)
        .collect()
}

fn brotli_len(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("brotli");
    out.len()
}

async fn first_load(url: String, cookie: Option<String>) {
    let client = client();
    let html = get(&client, &url, cookie.as_deref()).await.expect("page");
    let base = url::Url::parse(&url).expect("url");
    let text = String::from_utf8_lossy(&html).to_string();
    let mut files = vec![("html".to_string(), html)];
    let mut pending = assets(&text);
    while let Some(asset) = pending.pop() {
        let Ok(absolute) = base.join(&asset) else {
            continue;
        };
        if files.iter().any(|(name, _)| name == absolute.as_str()) {
            continue;
        }
        if let Ok(body) = get(&client, absolute.as_str(), None).await {
            if let Some(stem) = absolute.path().strip_suffix(".js") {
                pending.extend(assets(&String::from_utf8_lossy(&body)));
                // Leptos's hydration script builds the wasm's address from
                // the script's name: `<name>.wasm` in a cargo-leptos build,
                // `<name>_bg.wasm` otherwise. The one that exists is loaded.
                pending.push(format!("{stem}.wasm"));
                pending.push(format!("{stem}_bg.wasm"));
            }
            files.push((absolute.to_string(), body));
        }
    }
    let mut raw = 0;
    let mut br = 0;
    let mut parts = Vec::new();
    for (name, body) in &files {
        let compressed = brotli_len(body);
        raw += body.len();
        br += compressed;
        parts.push(format!(
            "{{\"file\":\"{name}\",\"raw\":{},\"br\":{compressed}}}",
            body.len()
        ));
    }
    println!(
        "{{\"raw_bytes\":{raw},\"br_bytes\":{br},\"files\":[{}]}}",
        parts.join(",")
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // cargo bench passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("rps") if args.len() >= 4 => {
            rps(
                args[1].clone(),
                args[2].parse().expect("concurrency"),
                args[3].parse().expect("seconds"),
                args.get(4).cloned(),
            )
            .await
        }
        Some("first-load") if args.len() >= 2 => {
            first_load(args[1].clone(), args.get(2).cloned()).await
        }
        _ => {
            eprintln!(
                "usage: load rps <url> <concurrency> <seconds> [cookie] | first-load <url> [cookie]"
            );
            std::process::exit(2);
        }
    }
}
