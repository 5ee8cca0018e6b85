package com.example.notifications

import java.time.Instant
import java.util.UUID

enum class Channel { EMAIL, SMS, PUSH }

enum class Status { QUEUED, SENT }

data class NotificationRequest(
    val recipient: String,
    val channel: Channel,
    val subject: String? = null,
    val body: String,
)

data class Notification(
    val id: UUID,
    val recipient: String,
    val channel: Channel,
    val subject: String?,
    val body: String,
    val status: Status,
    val createdAt: Instant,
    val sentAt: Instant? = null,
)
