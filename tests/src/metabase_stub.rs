//! A small local stand-in for Metabase's HTTP API that records every call: collections (create,
//! list, archive) and dashboard copies, with failures on demand. Plain HTTP/1.1 over a Tokio
//! listener, one request per connection.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One recorded call.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub api_key: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    collections: Vec<Value>,
    next_id: u64,
    fail_prefix: Option<String>,
}

#[derive(Clone)]
pub struct MetabaseStub {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl MetabaseStub {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State { next_id: 100, ..Default::default() }));
        let s = state.clone();
        tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve(conn, s).await;
                });
            }
        });
        MetabaseStub { url, state }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Collections not archived whose name ends with `suffix`.
    pub fn live_collections(&self, suffix: &str) -> Vec<Value> {
        let st = self.state.lock().unwrap();
        st.collections
            .iter()
            .filter(|c| c["archived"] == false && c["name"].as_str().is_some_and(|n| n.ends_with(suffix)))
            .cloned()
            .collect()
    }

    /// Answer 500 to every call whose `METHOD /path` starts with `prefix` (None: stop failing).
    pub fn fail(&self, prefix: Option<&str>) {
        self.state.lock().unwrap().fail_prefix = prefix.map(str::to_string);
    }
}

async fn serve(mut conn: TcpStream, state: Arc<Mutex<State>>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (first.next().unwrap_or_default().to_string(), first.next().unwrap_or_default().to_string());
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let len: usize = header("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    while buf.len() < head_end + len {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
    let (status, answer) = {
        let mut st = state.lock().unwrap();
        st.calls.push(Call {
            method: method.clone(),
            path: path.clone(),
            api_key: header("x-api-key"),
            body: body.clone(),
        });
        let key = format!("{method} {path}");
        if st.fail_prefix.as_ref().is_some_and(|p| key.starts_with(p.as_str())) {
            (500, json!({"message": "injected failure"}))
        } else {
            answer(&mut st, &method, &path, &body)
        }
    };
    let text = answer.to_string();
    let reason = if status == 200 { "OK" } else { "Error" };
    let resp = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
    conn.write_all(resp.as_bytes()).await?;
    conn.shutdown().await
}

fn answer(st: &mut State, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("GET", ["api", "collection"]) => (200, Value::Array(st.collections.clone())),
        ("POST", ["api", "collection"]) => {
            st.next_id += 1;
            let c = json!({"id": st.next_id, "name": body["name"], "archived": false});
            st.collections.push(c.clone());
            (200, c)
        }
        ("PUT", ["api", "collection", id]) => {
            match st.collections.iter_mut().find(|c| id.parse::<u64>().ok() == c["id"].as_u64()) {
                Some(c) => {
                    c["archived"] = body["archived"].clone();
                    (200, c.clone())
                }
                None => (404, json!({"message": "not found"})),
            }
        }
        ("POST", ["api", "dashboard", template, "copy"]) => {
            st.next_id += 1;
            (
                200,
                json!({"id": st.next_id, "name": format!("Dashboard {template}"), "collection_id": body["collection_id"]}),
            )
        }
        _ => (404, json!({"message": "no such endpoint"})),
    }
}
