package com.example.customers;

import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

@Repository
public class CustomerRepository {

    private static final String COLUMNS = "id, name, email, created_at";

    private final JdbcClient jdbc;

    public CustomerRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public List<Customer> findAll(int limit, int offset) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM customers ORDER BY id LIMIT :limit OFFSET :offset")
                .param("limit", limit)
                .param("offset", offset)
                .query(Customer.class)
                .list();
    }

    public Optional<Customer> findById(long id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM customers WHERE id = :id")
                .param("id", id)
                .query(Customer.class)
                .optional();
    }

    public Customer insert(Customer.Input input) {
        return jdbc.sql("INSERT INTO customers (name, email) VALUES (:name, :email) RETURNING " + COLUMNS)
                .param("name", input.name())
                .param("email", input.email())
                .query(Customer.class)
                .single();
    }

    public Optional<Customer> update(long id, Customer.Input input) {
        return jdbc.sql("UPDATE customers SET name = :name, email = :email WHERE id = :id RETURNING " + COLUMNS)
                .param("id", id)
                .param("name", input.name())
                .param("email", input.email())
                .query(Customer.class)
                .optional();
    }

    public boolean delete(long id) {
        return jdbc.sql("DELETE FROM customers WHERE id = :id").param("id", id).update() == 1;
    }
}
