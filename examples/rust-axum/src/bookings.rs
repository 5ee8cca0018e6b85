//! Rooms, bookings and their HTTP handlers.

use std::{
    collections::BTreeMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::RwLock;

#[derive(Clone, Debug, Serialize)]
pub struct Booking {
    id: u64,
    room: String,
    date: String,
    hour: u8,
    organizer: String,
}

#[derive(Debug, Deserialize)]
pub struct NewBooking {
    date: String,
    hour: u8,
    organizer: String,
}

#[derive(Clone)]
pub struct AppState {
    rooms: Arc<RwLock<BTreeMap<String, Vec<Booking>>>>,
    next_id: Arc<AtomicU64>,
}

impl AppState {
    pub fn new<'a>(rooms: impl Iterator<Item = &'a str>) -> Self {
        let rooms = rooms.map(|r| (r.to_owned(), Vec::new())).collect();
        Self {
            rooms: Arc::new(RwLock::new(rooms)),
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }
}

pub enum ApiError {
    NotFound(&'static str),
    Invalid(String),
    Conflict(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, format!("{what} not found")),
            ApiError::Invalid(msg) => (StatusCode::UNPROCESSABLE_ENTITY, msg),
            ApiError::Conflict(msg) => (StatusCode::CONFLICT, msg),
        };
        (status, Json(json!({ "error": message }))).into_response()
    }
}

fn valid_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    matches!(parts.as_slice(), [y, m, d]
        if y.len() == 4 && m.len() == 2 && d.len() == 2
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && (1..=12).contains(&m.parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u8>().unwrap_or(0)))
}

pub async fn list_rooms(State(state): State<AppState>) -> Json<Vec<String>> {
    Json(state.rooms.read().await.keys().cloned().collect())
}

pub async fn list_bookings(
    State(state): State<AppState>,
    Path(room_id): Path<String>,
) -> Result<Json<Vec<Booking>>, ApiError> {
    let rooms = state.rooms.read().await;
    let bookings = rooms.get(&room_id).ok_or(ApiError::NotFound("room"))?;
    Ok(Json(bookings.clone()))
}

pub async fn create_booking(
    State(state): State<AppState>,
    Path(room_id): Path<String>,
    Json(input): Json<NewBooking>,
) -> Result<(StatusCode, Json<Booking>), ApiError> {
    if !valid_date(&input.date) {
        return Err(ApiError::Invalid("date must be YYYY-MM-DD".into()));
    }
    if input.hour > 23 {
        return Err(ApiError::Invalid("hour must be 0..=23".into()));
    }
    if input.organizer.trim().is_empty() {
        return Err(ApiError::Invalid("organizer is required".into()));
    }
    let mut rooms = state.rooms.write().await;
    let bookings = rooms.get_mut(&room_id).ok_or(ApiError::NotFound("room"))?;
    if bookings
        .iter()
        .any(|b| b.date == input.date && b.hour == input.hour)
    {
        return Err(ApiError::Conflict(format!(
            "{room_id} is already booked on {} at {:02}:00",
            input.date, input.hour
        )));
    }
    let booking = Booking {
        id: state.next_id.fetch_add(1, Ordering::Relaxed),
        room: room_id,
        date: input.date,
        hour: input.hour,
        organizer: input.organizer,
    };
    bookings.push(booking.clone());
    tracing::info!(id = booking.id, room = %booking.room, "booking created");
    Ok((StatusCode::CREATED, Json(booking)))
}

pub async fn get_booking(
    State(state): State<AppState>,
    Path((room_id, booking_id)): Path<(String, u64)>,
) -> Result<Json<Booking>, ApiError> {
    let rooms = state.rooms.read().await;
    let bookings = rooms.get(&room_id).ok_or(ApiError::NotFound("room"))?;
    bookings
        .iter()
        .find(|b| b.id == booking_id)
        .cloned()
        .map(Json)
        .ok_or(ApiError::NotFound("booking"))
}

pub async fn delete_booking(
    State(state): State<AppState>,
    Path((room_id, booking_id)): Path<(String, u64)>,
) -> Result<StatusCode, ApiError> {
    let mut rooms = state.rooms.write().await;
    let bookings = rooms.get_mut(&room_id).ok_or(ApiError::NotFound("room"))?;
    let before = bookings.len();
    bookings.retain(|b| b.id != booking_id);
    if bookings.len() == before {
        return Err(ApiError::NotFound("booking"));
    }
    Ok(StatusCode::NO_CONTENT)
}
