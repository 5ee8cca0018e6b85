<?php
$redis = getenv('REDIS_HOST') ?: 'localhost';
echo "<h1>Portal</h1><p>sessions on {$redis}</p><a href=\"/reports/\">Reports</a>";
