package com.acme.orders;

import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/orders")
public class OrderController {
    @GetMapping
    public List<Map<String, String>> list() {
        return List.of(Map.of("id", "1", "status", "new"));
    }

    @GetMapping("/{id}")
    public Map<String, String> get(@PathVariable String id) {
        return Map.of("id", id, "status", "new");
    }
}
