<?php

declare(strict_types=1);

namespace Newsletter;

use PDO;

final class SubscriberRepository
{
    private ?PDO $pdo = null;

    public function __construct(
        private readonly string $dsn,
        private readonly string $user,
        private readonly string $password,
    ) {
    }

    public static function fromEnvironment(): self
    {
        $host = getenv('DB_HOST') ?: 'localhost';
        $port = getenv('DB_PORT') ?: '3306';
        $name = getenv('DB_DATABASE') ?: 'newsletter';

        return new self(
            "mysql:host={$host};port={$port};dbname={$name};charset=utf8mb4",
            getenv('DB_USERNAME') ?: 'newsletter',
            getenv('DB_PASSWORD') ?: '',
        );
    }

    private function pdo(): PDO
    {
        if ($this->pdo === null) {
            $this->pdo = new PDO($this->dsn, $this->user, $this->password, [
                PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
                PDO::ATTR_DEFAULT_FETCH_MODE => PDO::FETCH_ASSOC,
                PDO::ATTR_TIMEOUT => 3,
            ]);
            $this->pdo->exec(
                'CREATE TABLE IF NOT EXISTS subscribers (
                    id INT AUTO_INCREMENT PRIMARY KEY,
                    email VARCHAR(320) NOT NULL UNIQUE,
                    list VARCHAR(64) NOT NULL DEFAULT \'general\',
                    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                )'
            );
        }

        return $this->pdo;
    }

    public function ping(): bool
    {
        try {
            return $this->pdo()->query('SELECT 1')->fetchColumn() == 1;
        } catch (\PDOException) {
            return false;
        }
    }

    /** @return list<array<string, mixed>> */
    public function all(?string $list): array
    {
        $stmt = $this->pdo()->prepare(
            'SELECT id, email, list, created_at FROM subscribers WHERE (:list IS NULL OR list = :list) ORDER BY id'
        );
        $stmt->execute(['list' => $list]);

        return $stmt->fetchAll();
    }

    /** @return array<string, mixed>|null */
    public function find(int $id): ?array
    {
        $stmt = $this->pdo()->prepare('SELECT id, email, list, created_at FROM subscribers WHERE id = ?');
        $stmt->execute([$id]);

        return $stmt->fetch() ?: null;
    }

    /** @return array<string, mixed>|null null when the e-mail is already subscribed */
    public function add(string $email, string $list): ?array
    {
        try {
            $this->pdo()->prepare('INSERT INTO subscribers (email, list) VALUES (?, ?)')->execute([$email, $list]);
        } catch (\PDOException $e) {
            if ($e->getCode() === '23000') {
                return null;
            }
            throw $e;
        }

        return $this->find((int) $this->pdo()->lastInsertId());
    }

    public function remove(int $id): bool
    {
        $stmt = $this->pdo()->prepare('DELETE FROM subscribers WHERE id = ?');
        $stmt->execute([$id]);

        return $stmt->rowCount() === 1;
    }
}
