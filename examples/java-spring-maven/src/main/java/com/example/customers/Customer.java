package com.example.customers;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.OffsetDateTime;

public record Customer(Long id, String name, String email, OffsetDateTime createdAt) {

    /** Request body for creating or updating a customer. */
    public record Input(
            @NotBlank @Size(max = 200) String name,
            @NotBlank @Email @Size(max = 320) String email) {
    }
}
