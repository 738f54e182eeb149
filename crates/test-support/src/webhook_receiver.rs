//! A firm's system that receives webhooks, for tests: records every request (headers and
//! body) and answers with the statuses it was told to, in order (then 200).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use tokio::net::TcpListener;

/// One webhook as received.
#[derive(Debug, Clone)]
pub struct ReceivedHook {
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

#[derive(Debug, Default)]
struct Shared {
    received: Vec<ReceivedHook>,
    answers: VecDeque<u16>,
}

/// A receiver on a loopback port.
#[derive(Debug, Clone)]
pub struct WebhookReceiver {
    pub addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl WebhookReceiver {
    /// Starts a receiver that answers `answers` in order, then 200.
    pub async fn start(answers: &[u16]) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            received: Vec::new(),
            answers: answers.iter().copied().collect(),
        }));
        let state = shared.clone();
        let app = Router::new().route(
            "/hooks",
            post(move |headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move {
                    let mut shared = state.lock().unwrap();
                    shared.received.push(ReceivedHook {
                        headers: headers
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                            .collect(),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let status = shared.answers.pop_front().unwrap_or(200);
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared }
    }

    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    pub fn received(&self) -> Vec<ReceivedHook> {
        self.shared.lock().unwrap().received.clone()
    }

    /// Waits (up to ten seconds) until `count` webhooks have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedHook> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} webhooks expected, got {:?}", self.received())
    }
}
