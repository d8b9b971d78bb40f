<?php
// The PHP twin of scripts/apps/echo.c for the differential test
// (t/21_differential.t): run by php-cgi as a FastCGI worker. Query
// parameters: status=N, redirect=URL, bytes=N, echo=body; otherwise the
// body lists the method, the server variables (sorted; per-request clocks
// left out) and the request body's length and md5.
$body = file_get_contents('php://input');
if (isset($_GET['status'])) {
    header('Status: ' . $_GET['status']);
}
if (isset($_GET['redirect'])) {
    header('Location: ' . $_GET['redirect']);
}
if (isset($_GET['echo']) && $_GET['echo'] === 'body') {
    header('Content-Type: application/octet-stream');
    echo $body;
    exit;
}
if (isset($_GET['bytes'])) {
    header('Content-Type: application/octet-stream');
    $pattern = "0123456789abcdefghijklmnopqrstuvwxyz\n";
    $n = (int)$_GET['bytes'];
    echo substr(str_repeat($pattern, intdiv($n, strlen($pattern)) + 1), 0, $n);
    exit;
}
header('Content-Type: text/plain; charset=utf-8');
$vars = $_SERVER;
unset($vars['REQUEST_TIME'], $vars['REQUEST_TIME_FLOAT']);
ksort($vars);
echo "method=", $_SERVER['REQUEST_METHOD'], "\n";
foreach ($vars as $k => $v) {
    if (is_string($v)) {
        echo "$k=$v\n";
    }
}
echo "body_length=", strlen($body), "\n";
echo "body_md5=", md5($body), "\n";
