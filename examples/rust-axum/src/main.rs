//! Meeting-room bookings over HTTP, kept in memory.

mod bookings;

use std::{
    env,
    io::{Read, Write},
    net::{SocketAddr, TcpStream},
    process::ExitCode,
    time::Duration,
};

use axum::{routing::get, Router};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::bookings::AppState;

fn port() -> u16 {
    env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8080)
}

fn app(state: AppState) -> Router {
    Router::new()
        .route(
            "/health",
            get(|| async { axum::Json(serde_json::json!({ "status": "ok" })) }),
        )
        .route("/rooms", get(bookings::list_rooms))
        .route(
            "/rooms/{room_id}/bookings",
            get(bookings::list_bookings).post(bookings::create_booking),
        )
        .route(
            "/rooms/{room_id}/bookings/{booking_id}",
            get(bookings::get_booking).delete(bookings::delete_booking),
        )
        .with_state(state)
}

/// `bookings healthcheck`: GET /health on the local server, for the container HEALTHCHECK
/// (the distroless runtime image has no shell or curl).
fn healthcheck() -> ExitCode {
    let addr = SocketAddr::from(([127, 0, 0, 1], port()));
    let probe = || -> std::io::Result<bool> {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.1 200"))
    };
    match probe() {
        Ok(true) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        tokio::signal::ctrl_c()
            .await
            .expect("install Ctrl-C handler")
    };
    let terminate = async {
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("install SIGTERM handler")
            .recv()
            .await;
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

#[tokio::main]
async fn main() -> ExitCode {
    if env::args().nth(1).as_deref() == Some("healthcheck") {
        return healthcheck();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let rooms = env::var("ROOMS").unwrap_or_else(|_| "atlas,borealis,comet".to_owned());
    let state = AppState::new(rooms.split(',').map(str::trim).filter(|r| !r.is_empty()));

    let addr = SocketAddr::from(([0, 0, 0, 0], port()));
    let listener = match TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(%addr, %err, "cannot bind");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(%addr, "bookings listening");
    if let Err(err) = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        tracing::error!(%err, "server error");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
