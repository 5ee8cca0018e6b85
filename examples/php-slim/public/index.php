<?php

declare(strict_types=1);

use Newsletter\SubscriberRepository;
use Psr\Http\Message\ResponseInterface as Response;
use Psr\Http\Message\ServerRequestInterface as Request;
use Slim\Factory\AppFactory;
use Slim\Routing\RouteCollectorProxy;

require __DIR__ . '/../vendor/autoload.php';

$subscribers = SubscriberRepository::fromEnvironment();

$app = AppFactory::create();
$app->addBodyParsingMiddleware();
$app->addRoutingMiddleware();
$app->addErrorMiddleware((bool) getenv('APP_DEBUG'), true, true);

$json = static function (Response $response, mixed $data, int $status = 200): Response {
    $response->getBody()->write(json_encode($data, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES));

    return $response->withHeader('Content-Type', 'application/json')->withStatus($status);
};

$app->get('/health', fn (Request $request, Response $response) => $json($response, ['status' => 'ok']));

$app->get('/ready', function (Request $request, Response $response) use ($json, $subscribers) {
    return $subscribers->ping()
        ? $json($response, ['status' => 'ok', 'database' => 'up'])
        : $json($response, ['status' => 'unavailable', 'database' => 'down'], 503);
});

$app->group('/api/subscribers', function (RouteCollectorProxy $group) use ($json, $subscribers) {
    $group->get('', function (Request $request, Response $response) use ($json, $subscribers) {
        $list = $request->getQueryParams()['list'] ?? null;

        return $json($response, $subscribers->all(is_string($list) ? $list : null));
    });

    $group->get('/{id:[0-9]+}', function (Request $request, Response $response, array $args) use ($json, $subscribers) {
        $subscriber = $subscribers->find((int) $args['id']);

        return $subscriber === null
            ? $json($response, ['error' => 'subscriber not found'], 404)
            : $json($response, $subscriber);
    });

    $group->post('', function (Request $request, Response $response) use ($json, $subscribers) {
        $body = (array) $request->getParsedBody();
        $email = filter_var($body['email'] ?? '', FILTER_VALIDATE_EMAIL);
        if ($email === false) {
            return $json($response, ['error' => 'a valid email is required'], 422);
        }
        $subscriber = $subscribers->add($email, (string) ($body['list'] ?? 'general'));

        return $subscriber === null
            ? $json($response, ['error' => 'already subscribed'], 409)
            : $json($response, $subscriber, 201);
    });

    $group->delete('/{id:[0-9]+}', function (Request $request, Response $response, array $args) use ($json, $subscribers) {
        return $subscribers->remove((int) $args['id'])
            ? $response->withStatus(204)
            : $json($response, ['error' => 'subscriber not found'], 404);
    });
});

$app->run();
