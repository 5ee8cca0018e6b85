package com.example.notifications

import java.time.Instant
import java.util.UUID
import java.util.concurrent.ConcurrentHashMap
import org.slf4j.LoggerFactory
import org.springframework.amqp.rabbit.annotation.RabbitListener
import org.springframework.amqp.rabbit.core.RabbitTemplate
import org.springframework.beans.factory.annotation.Value
import org.springframework.stereotype.Service

@Service
class NotificationService(
    private val rabbit: RabbitTemplate,
    @Value("\${notifications.queue}") private val queue: String,
) {
    private val log = LoggerFactory.getLogger(javaClass)
    private val notifications = ConcurrentHashMap<UUID, Notification>()

    fun enqueue(request: NotificationRequest): Notification {
        val notification = Notification(
            id = UUID.randomUUID(),
            recipient = request.recipient,
            channel = request.channel,
            subject = request.subject,
            body = request.body,
            status = Status.QUEUED,
            createdAt = Instant.now(),
        )
        notifications[notification.id] = notification
        rabbit.convertAndSend(queue, notification)
        return notification
    }

    fun find(id: UUID): Notification? = notifications[id]

    fun findByRecipient(recipient: String?): List<Notification> =
        notifications.values
            .filter { recipient == null || it.recipient == recipient }
            .sortedBy { it.createdAt }

    @RabbitListener(queues = ["\${notifications.queue}"])
    fun deliver(notification: Notification) {
        // A real service would call an e-mail/SMS/push provider here.
        log.info("delivering {} notification {} to {}", notification.channel, notification.id, notification.recipient)
        notifications[notification.id] = notification.copy(status = Status.SENT, sentAt = Instant.now())
    }
}
