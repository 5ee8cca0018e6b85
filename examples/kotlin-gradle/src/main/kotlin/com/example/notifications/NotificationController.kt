package com.example.notifications

import java.net.URI
import java.util.UUID
import org.springframework.http.HttpStatus
import org.springframework.http.ResponseEntity
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.PathVariable
import org.springframework.web.bind.annotation.PostMapping
import org.springframework.web.bind.annotation.RequestBody
import org.springframework.web.bind.annotation.RequestMapping
import org.springframework.web.bind.annotation.RequestParam
import org.springframework.web.bind.annotation.RestController
import org.springframework.web.server.ResponseStatusException

@RestController
@RequestMapping("/api/notifications")
class NotificationController(private val service: NotificationService) {

    @GetMapping
    fun list(@RequestParam(required = false) recipient: String?): List<Notification> =
        service.findByRecipient(recipient)

    @GetMapping("/{id}")
    fun get(@PathVariable id: UUID): Notification =
        service.find(id) ?: throw ResponseStatusException(HttpStatus.NOT_FOUND, "notification not found")

    @PostMapping
    fun send(@RequestBody request: NotificationRequest): ResponseEntity<Notification> {
        if (request.recipient.isBlank() || request.body.isBlank()) {
            throw ResponseStatusException(HttpStatus.BAD_REQUEST, "recipient and body are required")
        }
        val notification = service.enqueue(request)
        return ResponseEntity.accepted()
            .location(URI.create("/api/notifications/${notification.id}"))
            .body(notification)
    }
}
